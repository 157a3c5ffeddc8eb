"""Bad inputs of the sharded stages (filter, segment): wrong shard options, models and work
folders. Each case: exit code, one `lrtk: error:` line naming the file or option at fault, no
traceback, and the output folder exactly as it was (nothing written, nothing half-written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from badinput import assert_one_line_error, assert_unchanged, lrtk, snapshot
from conftest import shared_path

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """300 TICO-19 bn-en pairs, a model fitted on them, and one finished 2-shard work folder."""
    root = tmp_path_factory.mktemp("bad-scale")
    bn = shared_path("tico19", "en-bn", "tico19-test.bn").read_text("utf-8").splitlines()
    en = shared_path("tico19", "en-bn", "tico19-test.en").read_text("utf-8").splitlines()
    (root / "pairs.jsonl").write_text("".join(
        json.dumps({"id": f"t{i}", "src": s, "tgt": t}, ensure_ascii=False) + "\n"
        for i, (s, t) in enumerate(zip(bn[:300], en[:300]))), encoding="utf-8")
    res = lrtk("filter", root / "pairs.jsonl", "--src-lang", "bn", "--tgt-lang", "en",
               "--fit-only", "--model-out", root / "model.json")
    assert res.code == 0, res.err
    return root


FILTER = ["filter", "--src-lang", "bn", "--tgt-lang", "en"]


def _shard_without_work_dir(base, tmp):
    return [*FILTER, base / "pairs.jsonl", "--num-shards", "2", "--shard-index", "0"], \
        ["--shard-index", "--work-dir"], 2


def _shard_index_out_of_range(base, tmp):
    return [*FILTER, base / "pairs.jsonl", "--num-shards", "2", "--shard-index", "2",
            "--work-dir", tmp / "work"], ["--shard-index 2"], 2


def _shard_without_model(base, tmp):
    return [*FILTER, base / "pairs.jsonl", "--num-shards", "2", "--shard-index", "0",
            "--work-dir", tmp / "work"], ["--model"], 2


def _model_not_json(base, tmp):
    bad = tmp / "model.json"
    bad.write_text("{not json", encoding="utf-8")
    return [*FILTER, base / "pairs.jsonl", "--model", bad], [str(bad)], 1


def _model_other_languages(base, tmp):
    return ["filter", "--src-lang", "ne", "--tgt-lang", "en", base / "pairs.jsonl",
            "--model", base / "model.json"], [str(base / "model.json"), "bn-en"], 2


def _model_other_chain(base, tmp):
    config = tmp / "chain.yaml"
    config.write_text("filters:\n  - length_outlier: {max_z: 4.0}\n", encoding="utf-8")
    return [*FILTER, base / "pairs.jsonl", "--config", config, "--model",
            base / "model.json"], [str(base / "model.json"), "chain"], 2


def _work_dir_of_another_run(base, tmp):
    work = tmp / "work"
    work.mkdir()
    (work / "plan.json").write_text('{"stage": "filter", "input": "elsewhere"}\n')
    return [*FILTER, base / "pairs.jsonl", "--work-dir", work], [str(work), "different run"], 2


def _merge_unfinished(base, tmp):
    work = tmp / "work"
    res = lrtk(*FILTER, base / "pairs.jsonl", "--model", base / "model.json", "--num-shards",
               "2", "--shard-index", "1", "--work-dir", work)
    assert res.code == 0, res.err
    return ["filter", "--merge", "--work-dir", work], [str(work), "1 of 2 shards"], 2


def _merge_empty_folder(base, tmp):
    (tmp / "work").mkdir()
    return ["filter", "--merge", "--work-dir", tmp / "work"], [str(tmp / "work")], 2


def _segment_merge_of_filter_folder(base, tmp):
    work = tmp / "work"
    res = lrtk(*FILTER, base / "pairs.jsonl", "--model", base / "model.json", "--num-shards",
               "1", "--shard-index", "0", "--work-dir", work)
    assert res.code == 0, res.err
    return ["segment", "--lang", "bn", "--merge", "--work-dir", work], \
        [str(work), "another stage"], 2


def _unknown_executor(base, tmp):
    return [*FILTER, base / "pairs.jsonl", "--executor", "spark"], ["spark"], 2


def _fit_only_without_model_out(base, tmp):
    return [*FILTER, base / "pairs.jsonl", "--fit-only"], ["--model-out"], 2


def _bad_record_in_a_worker(base, tmp):
    lines = (base / "pairs.jsonl").read_text("utf-8").splitlines()
    lines[250] = '{"id": "t250", "src": 7, "tgt": "x"}'
    bad = tmp / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [*FILTER, bad, "--model", base / "model.json", "--workers", "2", "--num-shards", "3"], \
        [f"{bad}:251"], 1


def _segment_bad_record_in_a_shard(base, tmp):
    docs = (REPO / "samples" / "tico19-bn-en" / "docs.bn.jsonl").read_text("utf-8").splitlines()
    docs[15] = "[1, 2]"
    bad = tmp / "docs.jsonl"
    bad.write_text("\n".join(docs) + "\n", encoding="utf-8")
    return ["segment", "--lang", "bn", bad, "--workers", "2", "--num-shards", "4"], \
        [f"{bad}:16"], 1


CASES = [
    ("shard-without-work-dir", _shard_without_work_dir),
    ("shard-index-out-of-range", _shard_index_out_of_range),
    ("shard-without-model", _shard_without_model),
    ("model-not-json", _model_not_json),
    ("model-other-languages", _model_other_languages),
    ("model-other-chain", _model_other_chain),
    ("work-dir-of-another-run", _work_dir_of_another_run),
    ("merge-unfinished-shards", _merge_unfinished),
    ("merge-empty-folder", _merge_empty_folder),
    ("segment-merge-of-filter-folder", _segment_merge_of_filter_folder),
    ("unknown-executor", _unknown_executor),
    ("fit-only-without-model-out", _fit_only_without_model_out),
    ("bad-record-in-a-worker", _bad_record_in_a_worker),
    ("segment-bad-record-in-a-shard", _segment_bad_record_in_a_shard),
]


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_scale_input(make, base, tmp_path):
    args, names, code = make(base, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.jsonl").write_text("previous good output\n", encoding="utf-8")
    before = snapshot(out)
    res = lrtk(*args, "-o", out / "kept.jsonl")
    assert_one_line_error(res, *map(str, names), code=code)
    assert_unchanged(out, before)
