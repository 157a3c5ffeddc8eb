"""Record streams: JSONL/TSV/text, .gz, atomic writes, and one-line errors with file:line."""

from __future__ import annotations

import gzip
import json

import pytest

from lrtk.errors import DataError, UsageError
from lrtk.io import atomic_output, read_jsonl, read_lines, read_records, write_jsonl, write_records
from lrtk.io.schema import DOCUMENT


def test_jsonl_roundtrip_keeps_unicode_and_order(tmp_path):
    recs = [{"id": "d1", "lang": "bn", "text": "আমি ভাত খাই।"}, {"id": "d2", "lang": "ur", "text": "یہ ہے۔"}]
    path = tmp_path / "x.jsonl"
    assert write_jsonl(recs, path) == 2
    assert "আমি" in path.read_text(encoding="utf-8")  # not \\u-escaped
    back = list(read_jsonl(path))
    assert back == recs
    assert back[1].line == 2 and back[1].path == str(path)


def test_gzip_is_transparent_and_deterministic(tmp_path):
    recs = [{"id": str(i), "text": "x" * i} for i in range(50)]
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    write_jsonl(recs, a)
    write_jsonl(recs, b)
    assert a.read_bytes() == b.read_bytes()
    assert gzip.decompress(a.read_bytes()).decode().count("\n") == 50
    assert list(read_jsonl(a)) == recs


def test_bad_json_names_file_and_line(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"id": 1}\n{"id": 2}\n{"id": \n', encoding="utf-8")
    with pytest.raises(DataError) as e:
        list(read_jsonl(path))
    assert e.value.format().startswith(f"{path}:3: not valid JSON")


def test_skip_bad_counts_instead_of_failing(tmp_path, capsys):
    path = tmp_path / "data.jsonl"
    path.write_text('{"id": 1}\n[1, 2]\n{"id": 3}\n', encoding="utf-8")
    from lrtk.io import RecordReader

    reader = RecordReader(path, skip_bad=True)
    assert [r["id"] for r in reader] == [1, 3]
    assert reader.skipped == 1
    assert f"{path}:2: expected a JSON object" in capsys.readouterr().err


def test_missing_field_is_reported(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "a", "text": "t"}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r":2: missing field 'text' \(a document is"):
        list(read_jsonl(path, schema=DOCUMENT))


def test_invalid_utf8_reports_byte_offset(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("ok line\n".encode() + "caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError) as e:
        list(read_lines(path))
    msg = e.value.format()
    assert ":2: invalid UTF-8 at byte offset 11" in msg and "0xe9" in msg


def test_missing_file_is_usage_error(tmp_path):
    with pytest.raises(UsageError) as e:
        list(read_lines(tmp_path / "nope.txt"))
    assert e.value.exit_code == 2


def test_tsv_and_text_edges(tmp_path):
    tsv = tmp_path / "p.tsv"
    tsv.write_text("আমি\tI\nতুমি\tyou\n", encoding="utf-8")
    recs = list(read_records(tsv, "tsv", columns=("src", "tgt")))
    assert recs == [{"src": "আমি", "tgt": "I"}, {"src": "তুমি", "tgt": "you"}]
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\nonly-one\n", encoding="utf-8")
    with pytest.raises(DataError, match=r":2: expected 2 tab-separated fields"):
        list(read_records(bad, "tsv", columns=("src", "tgt")))
    out = tmp_path / "o.txt"
    write_records(recs, out, "text", text_field="tgt")
    assert out.read_text(encoding="utf-8") == "I\nyou\n"
    with pytest.raises(DataError, match="contains a tab"):
        write_records([{"src": "a\tb", "tgt": "x"}], tmp_path / "t.tsv", "tsv", columns=("src", "tgt"))


def test_atomic_output_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("good\n", encoding="utf-8")

    def records():
        yield {"id": 1}
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_jsonl(records(), path)
    assert path.read_text(encoding="utf-8") == "good\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no temp file left behind


def test_atomic_output_requires_existing_directory(tmp_path):
    with pytest.raises(UsageError, match="output directory does not exist"):
        with atomic_output(tmp_path / "missing" / "x.json") as fh:
            fh.write("{}")


def test_cli_version_and_help(run_cli):
    code, out, _ = run_cli("--version")
    assert code == 0 and out.startswith("lrtk ")
    code, out, _ = run_cli("--help")
    assert code == 0 and "Usage" in out


def test_cli_unknown_command_is_usage_error(run_cli):
    code, _, err = run_cli("no-such-stage")
    assert code == 2 and "No such command" in err


def test_cli_lists_stages_in_pipeline_order(run_cli):
    code, out, _ = run_cli("--help")
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    stages = ["segment", "align", "filter", "corpus", "tokenizer", "sample", "train", "tune",
              "eval", "export", "run"]
    assert code == 0 and [c for c in listed if c in stages] == stages
