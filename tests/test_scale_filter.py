"""`lrtk filter` at scale: the same bytes for any worker count, shard count and executor, and
a run killed mid-way resumes without reusing a half-written shard.

Input: 900 TICO-19 bn-en pairs with 30% injected noise (every noise kind, so every filter of
the default chain rejects something), judged in margin blocks of 100 pairs so that a few
hundred pairs already cross many block and shard boundaries.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import numpy as np
import pytest

from badinput import interrupted, lrtk
from conftest import shared_path
from lrtk.filter.config import DEFAULT_CHAIN
from lrtk.filter.synthetic import inject_noise

PAIRS = 900


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scale-filter")
    bn = shared_path("tico19", "en-bn", "tico19-test.bn").read_text("utf-8").splitlines()
    en = shared_path("tico19", "en-bn", "tico19-test.en").read_text("utf-8").splitlines()
    ne = shared_path("tico19", "en-ne", "tico19-test.ne").read_text("utf-8").splitlines()
    records = inject_noise(bn[:PAIRS], en[:PAIRS], [ne], "bn", "en", rate=0.3, seed=1)
    (root / "pairs.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    # The default chain, with margin batches (= blocks) of 100 pairs.
    chain = [{name: {**opts, "batch_size": 100}} if name == "margin" else name
             for name, opts in DEFAULT_CHAIN]
    (root / "chain.yaml").write_text(json.dumps({"filters": chain}), encoding="utf-8")
    return root


def run(data: Path, out: Path, *extra) -> dict[str, bytes]:
    """Filter into `out` (kept, rejects, report); their bytes."""
    out.mkdir(parents=True, exist_ok=True)
    res = lrtk("filter", data / "pairs.jsonl", "--src-lang", "bn", "--tgt-lang", "en",
               "--config", data / "chain.yaml", "-o", out / "kept.jsonl",
               "--rejects", out / "rejects.jsonl", "--report", out / "report.json", *extra)
    assert res.code == 0, res.err
    return outputs(out)


def outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes()
            for name in ("kept.jsonl", "rejects.jsonl", "report.json")}


@pytest.fixture(scope="module")
def single(data) -> dict[str, bytes]:
    return run(data, data / "single", "--workers", "1")


def test_single_process_run_filters_every_noise_kind(single):
    report = json.loads(single["report.json"])
    assert report["input"] == PAIRS
    kept = single["kept.jsonl"].decode().splitlines()
    rejects = [json.loads(line) for line in single["rejects.jsonl"].decode().splitlines()]
    assert len(kept) + len(rejects) == PAIRS == report["kept"] + sum(report["rejected"].values())
    for name in ("duplicate", "script_ratio", "length_outlier", "margin"):
        assert report["rejected"][name] > 0, report["rejected"]
    # Rejects say which filter dropped each pair and with what score.
    assert all(r["rejected_by"] in r["scores"] for r in rejects)
    shift_kept = sum(json.loads(line)["meta"]["noise"] == "shift" for line in kept)
    shift_rejected = sum(r["meta"]["noise"] == "shift" for r in rejects)
    assert shift_rejected > 4 * shift_kept


def test_two_workers_give_the_same_bytes(data, single):
    assert run(data, data / "two", "--workers", "2") == single


def test_four_shards_and_merge_give_the_same_bytes(data, single, tmp_path):
    model = tmp_path / "model.json"
    res = lrtk("filter", data / "pairs.jsonl", "--config", data / "chain.yaml", "--src-lang",
               "bn", "--tgt-lang", "en", "--fit-only", "--model-out", model)
    assert res.code == 0 and model.exists(), res.err
    work = tmp_path / "work"
    for i in (3, 1, 0, 2):  # any order, as a cluster would run them
        res = lrtk("filter", data / "pairs.jsonl", "--src-lang", "bn", "--tgt-lang", "en",
                   "--config", data / "chain.yaml", "--model", model, "--work-dir", work,
                   "--num-shards", "4", "--shard-index", i)
        assert res.code == 0, res.err
    # Shards 0 and 1 ran before shard 2: it took their duplicate keys from these files
    # instead of parsing their lines, with the same result (checked below).
    ranges = []
    for n in range(4):
        with np.load(work / f"shard-{n:05d}-of-00004" / "keys.npz") as keys:
            assert keys["stop"] - keys["start"] == len(keys["keys"])  # no blank lines
            ranges.append((int(keys["start"]), int(keys["stop"])))
    assert ranges[0][0] == 0 and ranges[-1][1] == PAIRS
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    out = tmp_path / "out"
    out.mkdir()
    res = lrtk("filter", "--merge", "--work-dir", work, "--num-shards", "4",
               "-o", out / "kept.jsonl", "--rejects", out / "rejects.jsonl",
               "--report", out / "report.json")
    assert res.code == 0, res.err
    assert outputs(out) == single


def test_killed_run_resumes_without_reusing_a_half_written_shard(data, single, tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    out.mkdir()
    args = ["filter", data / "pairs.jsonl", "--src-lang", "bn", "--tgt-lang", "en",
            "--config", data / "chain.yaml", "--work-dir", work, "--num-shards", "9",
            "--workers", "1", "-o", out / "kept.jsonl", "--rejects", out / "rejects.jsonl",
            "--report", out / "report.json"]

    def finished() -> list[Path]:
        return sorted(work.glob("shard-*/DONE"))

    res = interrupted(*args, sig=signal.SIGKILL, when=lambda: len(finished()) >= 2)
    assert res.code == -signal.SIGKILL
    # SIGKILL cannot be handled: the hidden files outputs are staged in may stay, but no
    # output appears under its own name.
    assert all(p.name.startswith(".") and p.name.endswith(".tmp") for p in out.iterdir()), \
        "a killed run wrote final outputs"
    done = {p.parent.name: p.stat().st_mtime_ns for p in finished()}
    assert 2 <= len(done) < 9
    # A shard killed mid-way leaves no marker; plant a damaged one as well.
    stale = work / "shard-00008-of-00009"
    stale.mkdir(exist_ok=True)
    (stale / "kept.jsonl").write_text('{"id": "half-written"}\n', encoding="utf-8")

    res = lrtk(*args)
    assert res.code == 0, res.err
    assert outputs(out) == single
    # Finished shards were skipped, not redone.
    assert {name: (work / name / "DONE").stat().st_mtime_ns for name in done} == done
    assert b"half-written" not in (stale / "kept.jsonl").read_bytes()
