"""`lrtk segment` end to end: formats, ids, reports, errors and atomic output."""

from __future__ import annotations

import json

from conftest import REPO

DONE_WHEN = "আমি ভাত খাই। ডা. মো. রহিম এসেছেন। Dr. A. K. Khan said 2.5% was enough.\n"
SAMPLE_BN = REPO / "samples" / "tico19-bn-en" / "docs.bn.jsonl"


def test_text_in_text_out(run_cli):
    code, out, err = run_cli("segment", "--lang", "bn", "--format", "text", stdin=DONE_WHEN)
    assert code == 0, err
    assert out.splitlines() == ["আমি ভাত খাই।", "ডা. মো. রহিম এসেছেন।",
                                "Dr. A. K. Khan said 2.5% was enough."]
    assert "1 document, 3 sentences" in err


def test_jsonl_keeps_ids_and_spans_index_the_text(run_cli, tmp_path):
    docs = [json.loads(line) for line in SAMPLE_BN.read_text(encoding="utf-8").splitlines()]
    out_path = tmp_path / "sents.jsonl"
    report = tmp_path / "report.json"
    code, out, err = run_cli("segment", "--lang", "bn", str(SAMPLE_BN), "-o", str(out_path),
                             "--report", str(report))
    assert code == 0, err
    assert out == ""  # records went to the file, the summary to stderr
    segmented = [json.loads(line) for line in out_path.read_text(encoding="utf-8").splitlines()]
    assert [s["id"] for s in segmented] == [d["id"] for d in docs]
    for doc, seg in zip(docs, segmented):
        assert set(seg) == {"id", "lang", "sentences", "spans"}
        assert seg["sentences"] == [doc["text"][a:b] for a, b in seg["spans"]]
        # Every paragraph break is a boundary: no sentence spans a newline.
        assert len(seg["sentences"]) >= doc["text"].count("\n") + 1
    stats = json.loads(report.read_text(encoding="utf-8"))
    assert stats["documents"] == len(docs)
    assert stats["sentences"] == sum(len(s["sentences"]) for s in segmented)


def test_paragraphs_format_and_normalize(run_cli):
    text = "first doc. Still \u09af\u09bc.\nnext line\n\n\nsecond doc!\n"
    code, out, err = run_cli("segment", "--lang", "bn", "--format", "paragraphs",
                             "--output-format", "jsonl", "--normalize", stdin=text)
    assert code == 0, err
    recs = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in recs] == ["1", "5"]  # line number of each document's first line
    assert recs[0]["sentences"] == ["first doc.", "Still \u09df.", "next line"]
    code, out, _ = run_cli("segment", "--lang", "en", "--format", "paragraphs", stdin=text)
    assert out == "first doc.\nStill \u09af\u09bc.\nnext line\n\nsecond doc!\n\n"


def test_unknown_language_is_a_usage_error(run_cli):
    code, out, err = run_cli("segment", "--lang", "xx", stdin='{"text": "a"}\n')
    assert code == 2 and out == ""
    assert err.strip() == ("lrtk: error: unknown language 'xx' "
                           "(supported: bn, en, generic, hi, ne, si, ur)")


def test_bad_record_names_line_and_leaves_no_output(run_cli, tmp_path):
    out_path = tmp_path / "out.jsonl"
    out_path.write_text("good old output\n", encoding="utf-8")
    bad = '{"id": "a", "text": "Fine."}\n{"id": "b", "text": 7}\n'
    code, _, err = run_cli("segment", "--lang", "en", "-o", str(out_path), stdin=bad)
    assert code == 1
    assert err.strip() == ("lrtk: error: <stdin>:2: field 'text' must be a string, got a number "
                           '(a document is {"id", "text"[, "lang"]})')
    assert out_path.read_text(encoding="utf-8") == "good old output\n"
    assert list(tmp_path.iterdir()) == [out_path]  # no temporary file left behind

    code, out, err = run_cli("segment", "--lang", "en", "--skip-bad",
                             stdin=bad + 'not json\n{"id": "c"}\n')
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["a"]
    assert err.count("warning: skipped") == 3 and "3 skipped" in err


def test_bad_format_and_missing_file(run_cli, tmp_path):
    code, _, err = run_cli("segment", "--lang", "en", "--format", "csv", stdin="")
    assert code == 2 and "unknown --format 'csv'" in err
    code, _, err = run_cli("segment", "--lang", "en", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "file not found" in err


def test_other_language_documents_are_flagged(run_cli):
    code, out, err = run_cli("segment", "--lang", "bn",
                             stdin='{"id": 1, "lang": "en", "text": "Hi. There."}\n')
    assert code == 0
    assert json.loads(out)["lang"] == "en"
    assert "document lang 'en' segmented with the 'bn' rules" in err


def test_help_has_an_example(run_cli):
    code, out, _ = run_cli("segment", "--help")
    assert code == 0
    assert "lrtk segment --lang bn < docs.jsonl > sents.jsonl" in out


def test_bundled_demo_documents_split_into_their_lines(run_cli, tmp_path):
    """The demo's raw documents run lines together into paragraphs; segmenting them must
    give back at least one sentence per original TICO-19 line (2100 per language)."""
    for lang in ("bn", "en"):
        out = tmp_path / f"{lang}.sents.jsonl"
        code, _, err = run_cli("segment", "--lang", lang,
                               str(SAMPLE_BN.parent / f"docs.{lang}.jsonl"), "-o", str(out))
        assert code == 0, err
        docs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert len(docs) == 19
        assert sum(len(d["sentences"]) for d in docs) >= 2050
