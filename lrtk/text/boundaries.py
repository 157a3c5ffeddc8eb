"""Sentence-boundary F1 against known boundaries: lines of a parallel set (one sentence each,
as translators aligned them) joined into paragraphs, then split back by the segmenter.

Used by tests/test_segment_tico.py (TICO-19, FLORES v1) and by the pipelines' quality stage
(lrtk.pair_quality, on each pair's own documents).

Paragraphs join 2-6 consecutive lines of one document with a space. A line that lacks a final
stop (TICO-19 has many) ends its paragraph, since no rule could find that boundary. Lines with
an internal question mark, exclamation mark, danda or Urdu full stop hold several sentences,
so splitting inside them would be right but count as an error; they are left out. Lines with
internal full stops (abbreviations, initials, decimals, "et al.") stay in: every split inside
them is a false positive (so Sinhala, which ends sentences with ".", scores lower on FLORES,
whose Sinhala lines often hold several sentences).
"""

from __future__ import annotations

import itertools
import re
from typing import Sequence

from lrtk.text import get_segmenter

PARAGRAPH_SIZES = (2, 3, 4, 5, 6)


def paragraphs(lines: Sequence[str], docs: Sequence[str], lang: str) -> list[list[str]]:
    """The lines (with `docs` the document id of each) grouped into paragraphs of 2-6 lines,
    never across documents."""
    profile = get_segmenter(lang).profile
    closing = re.escape(profile.closing)
    ends_in_stop = re.compile(f"[{re.escape(profile.terminators)}][{closing}]*$")
    several_sentences = re.compile(f"[?!।॥۔؟][{closing}]*\\s*[^\\s{closing}]")

    found: list[list[str]] = []
    current: list[str] = []
    sizes = itertools.cycle(PARAGRAPH_SIZES)
    target = next(sizes)

    def close():
        nonlocal current, target
        if len(current) >= 2:
            found.append(current)
        current, target = [], next(sizes)

    for i, (line, doc) in enumerate(zip(lines, docs)):
        line = line.strip()
        if several_sentences.search(line) or (current and docs[i - 1] != doc):
            close()
            if several_sentences.search(line):
                continue
        current.append(line)
        if not ends_in_stop.search(line) or len(current) >= target:
            close()
    close()
    return found


def boundary_counts(paras: Sequence[Sequence[str]], lang: str) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of the segmenter's boundaries over
    the paragraphs, each joined with spaces."""
    segmenter = get_segmenter(lang)
    tp = fp = fn = 0
    for para in paras:
        text = " ".join(para)
        # The offset just after each joined line (every line but the last is followed by " ").
        reference = {end - 1 for end in itertools.accumulate(len(line) + 1 for line in para[:-1])}
        predicted = {end for _, end in segmenter.spans(text)[:-1]}
        tp += len(reference & predicted)
        fp += len(predicted - reference)
        fn += len(reference - predicted)
    return tp, fp, fn


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / max(2 * tp + fp + fn, 1)
