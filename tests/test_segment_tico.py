"""Real-data boundary F1: TICO-19 (and FLORES v1) lines joined into paragraphs must be split
back (the paragraphs and the scorer: lrtk.text.boundaries). Sinhala ends sentences with ".",
and FLORES Sinhala lines often hold several of them, so there only recall is asserted.
"""

from __future__ import annotations

import pytest

from conftest import shared_path
from lrtk.text import boundaries, get_segmenter


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
    return boundaries.paragraphs(*CORPORA[corpus](lang), lang)


def boundary_counts(corpus: str, lang: str) -> tuple[int, int, int]:
    """(true positives, false positives, false negatives) over all paragraphs."""
    return boundaries.boundary_counts(paragraphs(corpus, lang), lang)


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
