"""`lrtk filter` as a command: configs, errors, determinism, atomic outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import shared_path

FIXTURES = Path(__file__).parent / "fixtures" / "filter"


@pytest.fixture(scope="module")
def pairs_jsonl() -> str:
    """300 Tatoeba ben-eng pairs as sentence-pair JSONL (with record languages)."""
    ben = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.ben").read_text("utf-8")
    eng = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.eng").read_text("utf-8")
    recs = [{"id": f"t{i}", "src": s, "tgt": t, "src_lang": "bn", "tgt_lang": "en"}
            for i, (s, t) in enumerate(zip(ben.splitlines()[:300], eng.splitlines()[:300]))]
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)


def test_languages_come_from_records_and_output_is_deterministic(run_cli, pairs_jsonl):
    code1, out1, err1 = run_cli("filter", "--seed", "7", stdin=pairs_jsonl)
    code2, out2, _ = run_cli("filter", "--seed", "7", stdin=pairs_jsonl)
    assert code1 == 0 and code2 == 0, err1
    assert out1 == out2
    assert "filter bn-en: 300 pairs in" in err1
    # Clean short Tatoeba pairs mostly survive (they are real translations).
    assert len(out1.splitlines()) >= 240


def test_custom_config_runs_only_its_filters(run_cli, pairs_jsonl, tmp_path):
    report = tmp_path / "r.json"
    code, out, err = run_cli("filter", "--config", FIXTURES / "chain.yaml",
                             "--report", report, stdin=pairs_jsonl)
    assert code == 0, err
    summary = json.loads(report.read_text("utf-8"))
    assert [f["name"] for f in summary["filters"]] == [
        "duplicate", "length", "length_ratio", "script_ratio", "langid", "numerals"]
    assert summary["filters"][1] == {"name": "length", "min_words": 2, "max_words": 80}
    # min_words 2 drops one-word Tatoeba lines that the default chain would keep.
    assert summary["rejected"]["length"] > 0


@pytest.mark.parametrize("config, message", [
    ("filters:\n  - nosuch\n", "unknown filter 'nosuch'"),
    ("filters:\n  - length: {max: 3}\n", "has no option(s) max"),
    ("filters:\n  - length: {max_words: many}\n", "must be int"),
    ("filters:\n  - length\n  - length\n", "appears twice"),
    ("filters: [\n", "not valid YAML"),
    ("name: x\n", "non-empty list 'filters'"),
])
def test_bad_config_is_a_usage_error(run_cli, pairs_jsonl, tmp_path, config, message):
    path = tmp_path / "bad.yaml"
    path.write_text(config, encoding="utf-8")
    code, out, err = run_cli("filter", "--config", path, stdin=pairs_jsonl)
    assert code == 2
    assert message in err and str(path) in err
    assert "Traceback" not in err and out == ""


def test_bad_record_names_file_and_line(run_cli, tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"id": "a", "src": "আমি", "tgt": "I"}\n{"id": "b", "src": "x"}\n',
                    encoding="utf-8")
    out_path = tmp_path / "kept.jsonl"
    code, _, err = run_cli("filter", "--src-lang", "bn", "--tgt-lang", "en", path,
                           "-o", out_path)
    assert code == 1
    assert f"{path}:2: missing field 'tgt'" in err
    assert not out_path.exists()  # nothing half-written
    code, _, err = run_cli("filter", "--src-lang", "bn", "--tgt-lang", "en", "--skip-bad",
                           path, "-o", out_path)
    assert code == 0 and "skipped" in err and out_path.exists()


def test_language_mismatch_and_missing_language(run_cli):
    rec = {"id": "a", "src": "আমি", "tgt": "I", "src_lang": "bn", "tgt_lang": "en"}
    code, _, err = run_cli("filter", "--src-lang", "ne", "--tgt-lang", "en",
                           stdin=json.dumps(rec, ensure_ascii=False) + "\n")
    assert code == 1 and "<stdin>:1: src_lang is 'bn' but --src-lang is 'ne'" in err
    code, _, err = run_cli("filter", stdin='{"id": "a", "src": "x", "tgt": "y"}\n')
    assert code == 2 and "--src-lang" in err


def test_help_has_an_example(run_cli):
    code, out, _ = run_cli("filter", "--help")
    assert code == 0 and "lrtk filter --src-lang bn --tgt-lang en" in out


def test_missing_embedder_model_names_the_option(run_cli, pairs_jsonl, tmp_path):
    path = tmp_path / "labse.yaml"
    path.write_text(f"filters:\n  - margin: {{embedder: {tmp_path / 'no-model'}}}\n",
                    encoding="utf-8")
    code, _, err = run_cli("filter", "--config", path, stdin=pairs_jsonl)
    assert code == 2 and "embedder model folder not found" in err


def test_bad_output_directory_fails_before_filtering(run_cli, pairs_jsonl, tmp_path):
    missing = tmp_path / "no" / "rejects.jsonl"
    code, out, err = run_cli("filter", "--rejects", missing, stdin=pairs_jsonl)
    assert code == 2 and "output directory does not exist" in err and out == ""


def test_unknown_language_is_a_usage_error(run_cli, pairs_jsonl):
    code, out, err = run_cli("filter", "--src-lang", "xx", "--tgt-lang", "en",
                             stdin=pairs_jsonl.replace('"src_lang": "bn"', '"src_lang": "xx"'))
    assert code == 2 and "unknown language 'xx' for --src-lang (known: " in err and out == ""
