"""lrtk corpus kg2text on hand-made ConceptNet-style triples: URI cleaning, the three input
layouts, templates per language (built in and --templates), deduplication, the counts of
skipped rows, and output that `lrtk tokenizer train` and `lrtk train` read unchanged."""

from __future__ import annotations

import gzip
import json

import pytest

# A header TSV as a user writes it: ConceptNet URIs, one plain concept, a duplicate row, a
# relation without a template (ExternalURL), a French row, a bn-en translation link and a
# row whose empty lang cell leaves the language to its URIs.
TSV = """relation\thead\ttail\tlang
/r/IsA\t/c/bn/কুকুর/n\t/c/bn/প্রাণী\tbn
/r/IsA\t/c/bn/কুকুর/n/wn/animal\t/c/bn/প্রাণী\tbn
/r/UsedFor\t/c/ur/قلم\t/c/ur/لکھنا\tur
/r/AtLocation\t/c/ne/किताब\t/c/ne/पुस्तकालय\tne
/r/PartOf\t/c/si/අත\t/c/si/ශරීරය\tsi
/r/HasA\tbird\twing\ten
/r/ExternalURL\t/c/bn/কুকুর\thttp://dbpedia.org/resource/Dog\tbn
/r/IsA\t/c/fr/chien\t/c/fr/animal\tfr
/r/Synonym\t/c/bn/বই\t/c/en/book\tbn
/r/RelatedTo\t/c/en/ice_cream\t/c/en/cold\t
"""
# Headerless CSV: relation, head, tail, lang.
CSV = "IsA,বিড়াল,প্রাণী,bn\n"
# ConceptNet's assertion dump: tab-separated despite the .csv name, gzipped.
DUMP = ("/a/[/r/Antonym/,/c/ur/گرم/,/c/ur/ٹھنڈا/]\t/r/Antonym\t/c/ur/گرم/a\t/c/ur/ٹھنڈا\t"
        '{"dataset": "/d/wiktionary/en", "weight": 1.0}\n')

EXPECTED = [
    {"id": "kg-bn-1", "lang": "bn", "text": "কুকুর এক ধরনের প্রাণী।"},
    {"id": "kg-ur-1", "lang": "ur", "text": "قلم لکھنا کے لیے استعمال ہوتا ہے۔"},
    {"id": "kg-ne-1", "lang": "ne", "text": "किताब प्रायः पुस्तकालय मा पाइन्छ।"},
    {"id": "kg-si-1", "lang": "si", "text": "අත යනු ශරීරය හි කොටසකි."},
    {"id": "kg-en-1", "lang": "en", "text": "bird has wing."},
    {"id": "kg-en-2", "lang": "en", "text": "ice cream is related to cold."},
    {"id": "kg-bn-2", "lang": "bn", "text": "বিড়াল এক ধরনের প্রাণী।"},
    {"id": "kg-ur-2", "lang": "ur", "text": "گرم، ٹھنڈا کا الٹ ہے۔"},
]


@pytest.fixture
def triples(tmp_path):
    (tmp_path / "triples.tsv").write_text(TSV, encoding="utf-8")
    (tmp_path / "more.csv").write_text(CSV, encoding="utf-8")
    with gzip.open(tmp_path / "assertions.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write(DUMP)
    return [tmp_path / "triples.tsv", tmp_path / "more.csv", tmp_path / "assertions.csv.gz"]


def _read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_renders_cleans_dedups_and_counts(triples, run_cli, tmp_path):
    out, report = tmp_path / "kg.jsonl", tmp_path / "report.json"
    code, _, err = run_cli("corpus", "kg2text", *triples, "-o", out, "--report", report)
    assert code == 0, err
    assert _read(out) == EXPECTED
    assert json.loads(report.read_text()) == {
        "rows": 12, "written": 8, "duplicates": 1,
        "skipped": {"no_template": {"ExternalURL": 1}, "other_language": {"bn-en": 1, "fr": 1}},
        "relations": {"bn": {"IsA": 2}, "en": {"HasA": 1, "RelatedTo": 1},
                      "ne": {"AtLocation": 1}, "si": {"PartOf": 1},
                      "ur": {"Antonym": 1, "UsedFor": 1}}}


def test_lang_selects_and_user_templates_override_and_add(triples, run_cli, tmp_path):
    user = tmp_path / "mine.yaml"
    user.write_text('en:\n  HasA: "A {head} has a {tail}."\n'
                    'fr:\n  IsA: ["Le {head} est un {tail}.", "Un {head} est un {tail}."]\n',
                    encoding="utf-8")
    out, report = tmp_path / "kg.jsonl", tmp_path / "report.json"
    code, _, err = run_cli("corpus", "kg2text", triples[0], "--keep-lang", "en", "--keep-lang", "fr",
                           "--templates", user, "-o", out, "--report", report)
    assert code == 0, err
    texts = [r["text"] for r in _read(out)]
    assert texts[0] == "A bird has a wing."
    assert texts[1] in ("Le chien est un animal.", "Un chien est un animal.")
    assert texts[2] == "ice cream is related to cold."  # the built-in en templates still apply
    assert json.loads(report.read_text())["skipped"]["other_language"] == \
        {"bn": 3, "bn-en": 1, "ne": 1, "si": 1, "ur": 1}
    # The template chosen from a list depends only on the triple.
    run_cli("corpus", "kg2text", triples[0], "--keep-lang", "fr", "--templates", user, "-o", out)
    assert _read(out)[0]["text"] == texts[1]


def test_output_feeds_tokenizer_train_and_train(run_cli, tmp_path, shared):
    """Synthetic RelatedTo triples from consecutive TICO-19 Bengali words (lines 0-199):
    enough sentences for a small tokenizer and two training steps."""
    words = " ".join(shared("tico19", "en-bn", "tico19-test.bn").read_text(
        encoding="utf-8").splitlines()[:200]).split()
    rows = [f"/r/RelatedTo\t/c/bn/{a}\t/c/bn/{b}" for a, b in zip(words, words[1:])][:1500]
    (tmp_path / "t.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    kg = tmp_path / "kg.bn.jsonl"
    code, _, err = run_cli("corpus", "kg2text", tmp_path / "t.tsv", "--lang", "bn", "-o", kg)
    assert code == 0, err
    records = _read(kg)
    assert len(records) > 1000 and all(r["text"].endswith("সম্পর্কিত।") for r in records)
    code, _, err = run_cli("tokenizer", "train", "--corpus", f"bn={kg}", "--vocab-size", "600",
                           "--threads", "1", "-o", tmp_path / "spm")
    assert code == 0, err
    code, _, err = run_cli("train", "--tokenizer", tmp_path / "spm.model", "--corpus", f"bn={kg}",
                           "--layers", "1", "--hidden", "32", "--heads", "4", "--ctx", "32",
                           "--steps", "2", "--batch-size", "4", "-o", tmp_path / "model")
    assert code == 0, err
    assert (tmp_path / "model" / "config.json").is_file()
