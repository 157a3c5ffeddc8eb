"""Real-data boundary F1: TICO-19 (and FLORES v1) lines joined into paragraphs must be split
back (the paragraphs and the scorer: lrtk.text.boundaries). Sinhala ends sentences with ".",
and FLORES Sinhala lines often hold two of them: there the gold adds the ends inside lines
that were found by reading (lrtk/text/reviewed_ends/flores-si.tsv), and the list itself is
checked against the data.
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
    """(true positives, false positives, false negatives) over all paragraphs, with the
    reviewed ends inside lines as gold where the set has a list."""
    inner = boundaries.reviewed_ends(f"{corpus}-{lang}")  # lists: lrtk/text/reviewed_ends
    return boundaries.boundary_counts(paragraphs(corpus, lang), lang, inner)


F1_CORPORA = [("tico19", "bn"), ("tico19", "ne"), ("tico19", "ur"), ("tico19", "en"),
              ("flores", "ne"), ("flores", "si")]


@pytest.mark.parametrize("corpus,lang", F1_CORPORA)
def test_paragraph_boundary_f1(corpus, lang):
    tp, fp, fn = boundary_counts(corpus, lang)
    assert tp > 1000  # enough boundaries for the figure to mean something
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 >= 0.99, (lang, tp, fp, fn, f1)


def test_sinhala_line_boundaries_are_found():
    """Against line ends alone (no reviewed list) the splits inside lines count as errors,
    but every line end is still found."""
    tp, fp, fn = boundaries.boundary_counts(paragraphs("flores", "si"), "si")
    assert tp > 1000 and fp > 40  # FLORES si lines that hold two sentences
    assert tp / (tp + fn) >= 0.99


def test_reviewed_sinhala_ends_match_the_data():
    """Each reviewed end names a FLORES si line by its hash, and its offset falls just after
    the stop the row quotes: a changed data file or a shifted offset fails here."""
    lines = {boundaries.line_key(line.strip()): line.strip()
             for line in flores_lines("si")[0]}
    rows = boundaries.reviewed_rows("flores-si")
    assert len(rows) == sum(map(len, boundaries.reviewed_ends("flores-si").values())) > 50
    for key, offset, before, after, _english in rows:
        line, offset = lines[key], int(offset)
        assert line[:offset].endswith(before) and line[offset - 1] in '.)"”', (key, before)
        assert line[offset:].lstrip().startswith(after), (key, after)
    assert boundaries.reviewed_ends("tico-bn") == {}  # a set nobody reviewed


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
    for corpus, code in F1_CORPORA:
        tp, fp, fn = boundary_counts(corpus, code)
        print(f"| {corpus} | {code} | {len(paragraphs(corpus, code))} | {tp + fn} | {fp} | "
              f"{fn} | {tp / (tp + fn):.4f} | {2 * tp / (2 * tp + fp + fn):.4f} |")
