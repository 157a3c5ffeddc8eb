"""Sentence-boundary F1 against known boundaries: lines of a parallel set (one sentence each,
as translators aligned them) joined into paragraphs, then split back by the segmenter.

Used by tests/test_segment_tico.py (TICO-19, FLORES v1) and by the pipelines' quality stage
(lrtk.pair_quality, on each pair's own documents).

Paragraphs join 2-6 consecutive lines of one document with a space. A line that lacks a final
stop (TICO-19 has many) ends its paragraph, since no rule could find that boundary. Lines with
an internal question mark, exclamation mark, danda or Urdu full stop hold several sentences,
so splitting inside them would be right but count as an error; they are left out. Lines with
internal full stops (abbreviations, initials, decimals, "et al.") stay in: every split inside
them is a false positive, unless the line is in the set's list of reviewed ends
(`reviewed_ends`): FLORES's Sinhala lines often hold two sentences, each ending in ".", and
the list, made by reading each split beside the English, names those ends.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from importlib import resources
from typing import Mapping, Sequence

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


def line_key(line: str) -> str:
    """The key of a (stripped) line in a reviewed-ends list."""
    return hashlib.sha1(line.encode("utf-8")).hexdigest()[:12]


def reviewed_rows(name: str) -> list[list[str]]:
    """The rows of parallel set `name`'s list of reviewed ends (lrtk/text/reviewed_ends/
    NAME.tsv, whose header says how it was made and what each column holds); none for a set
    with no list."""
    path = resources.files("lrtk.text").joinpath("reviewed_ends", f"{name}.tsv")
    if not path.is_file():
        return []
    return [row.split("\t") for row in path.read_text(encoding="utf-8").splitlines()
            if row and not row.startswith("#")]


def reviewed_ends(name: str) -> dict[str, tuple[int, ...]]:
    """The sentence ends inside single lines of parallel set `name` ("flores-si"), found by
    reading: line_key(line) -> offsets in the line just after each end."""
    ends: dict[str, list[int]] = {}
    for key, offset, *_ in reviewed_rows(name):
        ends.setdefault(key, []).append(int(offset))
    return {key: tuple(sorted(offsets)) for key, offsets in ends.items()}


def boundary_counts(paras: Sequence[Sequence[str]], lang: str,
                    inner_ends: Mapping[str, Sequence[int]] | None = None
                    ) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) of the segmenter's boundaries over
    the paragraphs, each joined with spaces. The gold is each line's end, and the ends inside
    a line that `inner_ends` (from `reviewed_ends`) lists."""
    segmenter = get_segmenter(lang)
    tp = fp = fn = 0
    for para in paras:
        text = " ".join(para)
        starts = list(itertools.accumulate([0] + [len(line) + 1 for line in para[:-1]]))
        # The offset just after each joined line (every line but the last is followed by " ").
        reference = {start - 1 for start in starts[1:]}
        for line, start in zip(para, starts):
            reference.update(start + end for end in (inner_ends or {}).get(line_key(line), ()))
        predicted = {end for _, end in segmenter.spans(text)[:-1]}
        tp += len(reference & predicted)
        fp += len(predicted - reference)
        fn += len(reference - predicted)
    return tp, fp, fn


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / max(2 * tp + fp + fn, 1)
