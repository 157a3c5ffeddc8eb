"""Bad inputs of a sharded `lrtk corpus build`: wrong shard options, work folders of another
build, and bad data found by a shard or by the merge. Each case: exit code, one `lrtk: error:`
line naming the file (and line) or option at fault, no traceback, the earlier build in the
output folder exactly as it was and no card written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from badinput import assert_one_line_error, assert_unchanged, earlier_output, lrtk, snapshot
from conftest import shared_path

PAIRS = 400


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """400 TICO-19 bn-en pairs and a config naming them."""
    root = tmp_path_factory.mktemp("bad-corpus")
    bn = shared_path("tico19", "en-bn", "tico19-test.bn").read_text("utf-8").splitlines()
    en = shared_path("tico19", "en-bn", "tico19-test.en").read_text("utf-8").splitlines()
    (root / "pairs.jsonl").write_text("".join(
        json.dumps({"id": f"t{i}", "src": s, "tgt": t}, ensure_ascii=False) + "\n"
        for i, (s, t) in enumerate(zip(bn[:PAIRS], en[:PAIRS]))), encoding="utf-8")
    config(root, root / "pairs.jsonl")
    return root


def config(folder: Path, pairs, name: str = "corpus.yaml", **source) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump({
        "name": "bad", "src_lang": "bn", "tgt_lang": "en",
        "sources": [{"name": "tico", "licence": "CC0-1.0", "path": str(pairs), **source}],
        "splits": {"train": 0.9, "test": 0.1}}), encoding="utf-8")
    return path


def build(cfg: Path, *extra) -> list:
    return ["corpus", "build", "--config", cfg, *extra]


def shard(cfg: Path, work: Path, index: int, count: int = 2):
    res = lrtk(*build(cfg, "-o", work.parent / "shard-out", "--card", work.parent / "c.md",
                      "--num-shards", count, "--shard-index", index, "--work-dir", work))
    assert res.code == 0, res.err


def broken(base: Path, tmp: Path, line: int, text: str) -> Path:
    """A copy of the pairs with line `line` (1-based) replaced by `text`."""
    lines = (base / "pairs.jsonl").read_text("utf-8").splitlines()
    lines[line - 1] = text
    (tmp / "pairs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config(tmp, tmp / "pairs.jsonl")


def _shard_without_work_dir(base, tmp):
    return build(base / "corpus.yaml", "--num-shards", "2", "--shard-index", "0"), \
        ["--shard-index", "--work-dir"], 2


def _shard_index_out_of_range(base, tmp):
    return build(base / "corpus.yaml", "--num-shards", "2", "--shard-index", "2",
                 "--work-dir", tmp / "work"), ["--shard-index 2"], 2


def _shard_of_stdin_source(base, tmp):
    return build(config(tmp, "-"), "--num-shards", "2", "--shard-index", "0",
                 "--work-dir", tmp / "work"), ["stdin"], 2


def _merge_without_work_dir(base, tmp):
    return build(base / "corpus.yaml", "--merge"), ["--merge", "--work-dir"], 2


def _merge_unfinished(base, tmp):
    shard(base / "corpus.yaml", tmp / "work", 1)
    return build(base / "corpus.yaml", "--merge", "--work-dir", tmp / "work"), \
        [str(tmp / "work"), "1 of 2 shards"], 2


def _merge_with_another_config(base, tmp):
    shard(base / "corpus.yaml", tmp / "work", 0)
    shard(base / "corpus.yaml", tmp / "work", 1)
    other = config(tmp, base / "pairs.jsonl", name="other.yaml", licence="CC-BY-4.0")
    return build(other, "--merge", "--work-dir", tmp / "work"), \
        [str(tmp / "work"), "another config"], 2


def _merge_of_a_filter_folder(base, tmp):
    work = tmp / "work"
    work.mkdir()
    (work / "plan.json").write_text('{"stage": "filter", "shards": 1}\n', encoding="utf-8")
    return build(base / "corpus.yaml", "--merge", "--work-dir", work), \
        [str(work), "corpus build"], 2


def _work_dir_of_another_run(base, tmp):
    shard(base / "corpus.yaml", tmp / "work", 0)
    other = config(tmp, base / "pairs.jsonl", name="other.yaml", licence="CC-BY-4.0")
    return build(other, "--work-dir", tmp / "work", "--num-shards", "2"), \
        [str(tmp / "work"), "different run"], 2


def _unknown_executor(base, tmp):
    return build(base / "corpus.yaml", "--executor", "spark"), ["spark"], 2


def _bad_record_in_a_worker(base, tmp):
    cfg = broken(base, tmp, 351, '{"id": "t350", "src": 7, "tgt": "x"}')
    return build(cfg, "--workers", "2", "--num-shards", "4"), [f"{tmp / 'pairs.jsonl'}:351"], 1


def _id_reused_in_a_later_shard(base, tmp):
    cfg = broken(base, tmp, 390, '{"id": "t3", "src": "অন্য বাক্য", "tgt": "another one"}')
    return build(cfg, "--workers", "2", "--num-shards", "4"), \
        [f"{tmp / 'pairs.jsonl'}:390", "'t3'", ":4"], 1


def _parallel_target_longer(base, tmp):
    bn = shared_path("tico19", "en-bn", "tico19-test.bn")
    en = shared_path("tico19", "en-bn", "tico19-test.en").read_text("utf-8").splitlines()
    (tmp / "short.bn").write_text(
        "\n".join(bn.read_text("utf-8").splitlines()[:300]) + "\n", encoding="utf-8")
    (tmp / "long.en").write_text("\n".join(en[:301]) + "\n", encoding="utf-8")
    cfg = tmp / "parallel.yaml"
    cfg.write_text(yaml.safe_dump({
        "name": "bad", "src_lang": "bn", "tgt_lang": "en",
        "sources": [{"name": "tico", "licence": "CC0-1.0", "src_path": str(tmp / "short.bn"),
                     "tgt_path": str(tmp / "long.en")}]}), encoding="utf-8")
    return build(cfg, "--num-shards", "3"), [str(tmp / "short.bn"), "ends before line 301"], 1


CASES = [
    ("shard-without-work-dir", _shard_without_work_dir),
    ("shard-index-out-of-range", _shard_index_out_of_range),
    ("shard-of-stdin-source", _shard_of_stdin_source),
    ("merge-without-work-dir", _merge_without_work_dir),
    ("merge-unfinished-shards", _merge_unfinished),
    ("merge-with-another-config", _merge_with_another_config),
    ("merge-of-a-filter-folder", _merge_of_a_filter_folder),
    ("work-dir-of-another-run", _work_dir_of_another_run),
    ("unknown-executor", _unknown_executor),
    ("bad-record-in-a-worker", _bad_record_in_a_worker),
    ("id-reused-in-a-later-shard", _id_reused_in_a_later_shard),
    ("parallel-target-longer", _parallel_target_longer),
]


@pytest.mark.parametrize("make", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_corpus_build_input(make, base, tmp_path):
    args, names, code = make(base, tmp_path)
    out = earlier_output(tmp_path / "out", "corpus build")
    before = snapshot(out)
    res = lrtk(*args, "-o", out, "--card", tmp_path / "card.md")
    assert_one_line_error(res, *map(str, names), code=code)
    assert_unchanged(out, before)
    assert not (tmp_path / "card.md").exists()
