"""Real-data boundary F1: TICO-19 (and FLORES v1) lines joined into paragraphs must be split
back.

Paragraphs join 2-6 consecutive lines of one document with a space. A line that
lacks a final stop (TICO-19 has many) ends its paragraph, since no rule could find that
boundary. Lines with an internal question mark, exclamation mark, danda or Urdu full stop
hold several sentences, so splitting inside them would be right but count as an error; they
are left out. Lines with internal full stops (abbreviations, initials, decimals, "et al.")
stay in: every split inside them is a false positive. Sinhala ends sentences with ".", and
FLORES Sinhala lines often hold several of them, so there only recall is asserted.
"""

from __future__ import annotations

import itertools
import re

import pytest

from conftest import shared_path
from lrtk.text import get_segmenter

PARAGRAPH_SIZES = (2, 3, 4, 5, 6)


def tico_lines(lang: str) -> tuple[list[str], list[str]]:
    """TICO-19 lines of one language and the document id of each."""
    pair = "en-bn" if lang == "en" else f"en-{lang}"
    folder = shared_path("tico19", pair)
    lines = (folder / f"tico19-test.{lang}").read_text(encoding="utf-8").splitlines()
    info = (folder / "tico19-test.en.info").read_text(encoding="utf-8").splitlines()
    return lines, [row.split("\t")[0].rsplit(":", 1)[0] for row in info]


def flores_lines(lang: str) -> tuple[list[str], list[str]]:
    """FLORES v1 dev lines (Wikipedia) of ne or si and the article title of each."""
    folder = shared_path("floresv1_dev")
    lines = (folder / f"wikipedia.dev.{lang}-en.{lang}").read_text(encoding="utf-8")
    docs = (folder / f"wikipedia.dev.{lang}-en.doc_id").read_text(encoding="utf-8")
    return lines.splitlines(), docs.splitlines()


CORPORA = {"tico19": tico_lines, "flores": flores_lines}


def paragraphs(corpus: str, lang: str) -> list[list[str]]:
    lines, docs = CORPORA[corpus](lang)
    profile = get_segmenter(lang).profile
    closing = re.escape(profile.closing)
    ends_in_stop = re.compile(f"[{re.escape(profile.terminators)}][{closing}]*$")
    several_sentences = re.compile(f"[?!।॥۔؟][{closing}]*\\s*[^\\s{closing}]")

    paragraphs: list[list[str]] = []
    current: list[str] = []
    sizes = itertools.cycle(PARAGRAPH_SIZES)
    target = next(sizes)

    def close():
        nonlocal current, target
        if len(current) >= 2:
            paragraphs.append(current)
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
    return paragraphs


def boundary_counts(corpus: str, lang: str) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) over all paragraphs."""
    segmenter = get_segmenter(lang)
    tp = fp = fn = 0
    for para in paragraphs(corpus, lang):
        text = " ".join(para)
        # The offset just after each joined line (every line but the last is followed by " ").
        reference = {end - 1 for end in itertools.accumulate(len(line) + 1 for line in para[:-1])}
        predicted = {end for _, end in segmenter.spans(text)[:-1]}
        tp += len(reference & predicted)
        fp += len(predicted - reference)
        fn += len(reference - predicted)
    return tp, fp, fn


F1_CORPORA = [("tico19", "bn"), ("tico19", "ne"), ("tico19", "ur"), ("tico19", "en"),
              ("flores", "ne")]


@pytest.mark.parametrize("corpus,lang", F1_CORPORA)
def test_paragraph_boundary_f1(corpus, lang):
    tp, fp, fn = boundary_counts(corpus, lang)
    assert tp > 1000  # enough boundaries for the figure to mean something
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.99, (lang, tp, fp, fn, f1)


def test_sinhala_line_boundaries_are_found():
    tp, _, fn = boundary_counts("flores", "si")
    assert tp > 1000
    assert tp / (tp + fn) >= 0.99


@pytest.mark.parametrize("lang", ["bn", "ur"])
def test_tico19_spans_cover_the_text(lang):
    """Sentences are exact substrings, and only white space lies between them."""
    segmenter = get_segmenter(lang)
    for para in paragraphs("tico19", lang):
        text = " ".join(para)
        spans = segmenter.spans(text)
        assert spans[0][0] == 0 and spans[-1][1] == len(text)
        for (_, prev_end), (start, _) in zip(spans, spans[1:]):
            assert prev_end < start and text[prev_end:start].isspace()


if __name__ == "__main__":
    # `python tests/test_segment_tico.py` prints the figures the test asserts (docs/segment.md).
    print("| corpus | lang | paragraphs | boundaries | extra splits | missed | recall | F1 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for corpus, code in F1_CORPORA + [("flores", "si")]:
        tp, fp, fn = boundary_counts(corpus, code)
        print(f"| {corpus} | {code} | {len(paragraphs(corpus, code))} | {tp + fn} | {fp} | "
              f"{fn} | {tp / (tp + fn):.4f} | {2 * tp / (2 * tp + fp + fn):.4f} |")
