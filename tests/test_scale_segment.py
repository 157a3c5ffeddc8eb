"""`lrtk segment` sharded: the same bytes as the streaming run for any worker or shard count,
including shard boundaries that fall inside a multi-line (paragraphs) document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from badinput import lrtk
from conftest import shared_path

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> Path:
    """TICO-19 Bengali as paragraphs: documents of 1-6 lines separated by blank lines."""
    root = tmp_path_factory.mktemp("scale-segment")
    lines = shared_path("tico19", "en-bn", "tico19-test.bn").read_text("utf-8").splitlines()[:400]
    out, i, size = [], 0, 1
    while i < len(lines):
        out += lines[i:i + size] + [""]
        i, size = i + size, size % 6 + 1
    (root / "book.txt").write_text("\n".join(out) + "\n", encoding="utf-8")
    return root


def outputs(folder: Path, *args, stdin: bytes | None = None) -> dict[str, bytes]:
    """Output and report of `lrtk segment ARGS` written into a fresh `folder`."""
    folder.mkdir()
    res = lrtk("segment", *args, "-o", folder / "out", "--report", folder / "report.json",
               stdin=stdin)
    assert res.code == 0, res.err
    return {name: (folder / name).read_bytes() for name in ("out", "report.json")}


@pytest.mark.parametrize("fmt, source", [
    ("jsonl", REPO / "samples" / "tico19-bn-en" / "docs.bn.jsonl"),
    ("paragraphs", None),
], ids=["jsonl-documents", "paragraphs"])
def test_workers_and_shards_match_the_streaming_run(fmt, source, books, tmp_path):
    source = source or books / "book.txt"
    args = ["--lang", "bn", "--format", fmt]
    streamed = outputs(tmp_path / "stream", *args, "-", stdin=source.read_bytes())
    assert streamed["out"].count(b"\n") >= 19  # every document, or every sentence
    assert outputs(tmp_path / "w1", *args, source, "--workers", "1") == streamed
    assert outputs(tmp_path / "w2", *args, source, "--workers", "2", "--num-shards", "5") \
        == streamed
    work = tmp_path / "work"
    for i in range(7):
        res = lrtk("segment", *args, source, "--num-shards", "7", "--shard-index", i,
                   "--work-dir", work)
        assert res.code == 0, res.err
    assert outputs(tmp_path / "merged", *args, "--merge", "--work-dir", work) == streamed


def test_default_shards_follow_the_input_bytes(tmp_path, monkeypatch):
    """Documents are long lines: without --num-shards a file is cut by bytes too, not only by
    LINES_PER_SHARD lines (which left a 50,000-document corpus in one shard, one worker)."""
    from lrtk.parallel.run import ShardOptions
    from lrtk.text import segment_run

    source = REPO / "samples" / "tico19-bn-en" / "docs.bn.jsonl"
    monkeypatch.setattr(segment_run, "BYTES_PER_SHARD", 65536)
    job = segment_run.SegmentJob(str(source), str(source), "jsonl", "jsonl", "bn", False, False)
    work, out = tmp_path / "work", tmp_path / "out"
    segment_run.run_segment(job, str(out), None, ShardOptions(work_dir=str(work)))
    plan = json.loads((work / "plan.json").read_text("utf-8"))
    assert plan["shards"] == -(-source.stat().st_size // 65536) > 4
    streamed = outputs(tmp_path / "stream", "--lang", "bn", "-", stdin=source.read_bytes())
    assert out.read_bytes() == streamed["out"]


def test_a_resumed_run_joins_earlier_and_new_shards_in_order(books, tmp_path):
    """The parts are joined as shards finish: shards 3 and 0 finished by an earlier run
    (--shard-index), the rest by this one, still give the streaming run's bytes; a --work-dir
    keeps every part, for a later --merge."""
    source = books / "book.txt"
    args = ["--lang", "bn", "--format", "paragraphs"]
    streamed = outputs(tmp_path / "stream", *args, "-", stdin=source.read_bytes())
    work = tmp_path / "work"
    for i in (3, 0):
        res = lrtk("segment", *args, source, "--num-shards", "5", "--shard-index", i,
                   "--work-dir", work)
        assert res.code == 0, res.err
    assert outputs(tmp_path / "resumed", *args, source, "--num-shards", "5", "--workers", "2",
                   "--work-dir", work) == streamed
    assert len(list(work.glob("shard-*/part.out"))) == 5
    assert outputs(tmp_path / "merged", *args, "--merge", "--work-dir", work) == streamed
