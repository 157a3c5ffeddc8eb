"""Damaged duplicate-key files in a filter work folder (lrtk/filter/stream.py, keys.npz).

A shard takes the duplicate keys of earlier shards from their keys.npz instead of parsing
their lines. Such a file is a cache: whatever damage it has, the shard parses those lines
instead, and the merged output is the bytes of a single-process run.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from badinput import assert_one_line_error, assert_unchanged, lrtk, snapshot
from test_scale_filter import data, outputs, run  # noqa: F401  (the filter input fixture)

SHARDS = "2"


def garbage(path: Path) -> None:
    path.write_bytes(b"not an npz file\n")


def truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:40])


def missing_range(path: Path) -> None:
    with np.load(path) as saved:
        keys = saved["keys"]
    buffer = io.BytesIO()
    np.savez(buffer, keys=keys)  # no start / stop
    path.write_bytes(buffer.getvalue())


def empty_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w"):
        pass


CASES = [("garbage bytes", garbage), ("truncated zip", truncated),
         ("no line range", missing_range), ("empty zip", empty_zip)]


@pytest.fixture(scope="module")
def model(data, tmp_path_factory):  # noqa: F811
    path = tmp_path_factory.mktemp("bad-keys") / "model.json"
    res = lrtk("filter", data / "pairs.jsonl", "--config", data / "chain.yaml", "--src-lang",
               "bn", "--tgt-lang", "en", "--fit-only", "--model-out", path)
    assert res.code == 0, res.err
    return path


@pytest.fixture(scope="module")
def single(data):  # noqa: F811
    return run(data, data / "single-bad-keys", "--workers", "1")


@pytest.mark.parametrize("damage", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_a_damaged_keys_file_is_parsed_around(damage, data, model, single, tmp_path):  # noqa: F811
    work, out = tmp_path / "work", tmp_path / "out"
    shard = ["filter", data / "pairs.jsonl", "--src-lang", "bn", "--tgt-lang", "en",
             "--config", data / "chain.yaml", "--model", model, "--work-dir", work,
             "--num-shards", SHARDS, "--shard-index"]
    assert lrtk(*shard, "0").code == 0
    damage(work / f"shard-00000-of-0000{SHARDS}" / "keys.npz")
    res = lrtk(*shard, "1")
    assert res.code == 0 and "Traceback" not in res.err, res.err
    out.mkdir()
    res = lrtk("filter", "--merge", "--work-dir", work, "--num-shards", SHARDS,
               "-o", out / "kept.jsonl", "--rejects", out / "rejects.jsonl",
               "--report", out / "report.json")
    assert res.code == 0, res.err
    assert outputs(out) == single


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_bad_record_the_fit_sample_skips_still_fails_the_run(workers, data, tmp_path):  # noqa: F811
    # The fit parses only the lines its sample draws; every other line is checked by the shard
    # that owns it, so a bad record on a line the sample passes over fails the run the same way.
    lines = (data / "pairs.jsonl").read_text("utf-8").splitlines(keepends=True)
    bad_line = len(lines) - 3
    lines[bad_line - 1] = '{"src": "একটি", "tgt": 5}\n'
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(out)
    res = lrtk("filter", pairs, "--src-lang", "bn", "--tgt-lang", "en", "--fit-sample", "10",
               "--workers", workers, "-o", out / "kept.jsonl", "--rejects", out / "rejects.jsonl")
    assert_one_line_error(res, f"pairs.jsonl:{bad_line}", code=1)
    assert_unchanged(out, before)
