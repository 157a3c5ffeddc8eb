"""`lrtk align` at scale: the same bytes (pairs or beads, every single aligner's beads, the
report) for any worker count, shard count and executor; a run killed mid-way resumes without
reusing a half-written shard; wrong shard options are one error line.

Input: the first 400 sentences of TICO-19 bn-en cut into 21 document pairs of 8 to 32
sentences, the Bengali side perturbed (neighbours merged, sentences dropped) so the aligners
disagree and deletion beads occur, plus a document with an empty side and a blank line. The
dictionary is bootstrapped from a 300-sentence sample, so the fit's sampling is exercised.
"""

from __future__ import annotations

import json
import random
import signal
from pathlib import Path

import pytest

from badinput import assert_one_line_error, assert_unchanged, interrupted, lrtk, snapshot
from conftest import shared_path

SENTENCES = 400
ALIGN = ["align", "--src-lang", "en", "--tgt-lang", "bn", "--fit-sample", "300"]


def _perturb(sents: list[str], rng: random.Random) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(sents):
        r = rng.random()
        if r < 0.05:
            i += 1  # dropped
        elif r < 0.15 and i + 1 < len(sents):
            out.append(sents[i] + " " + sents[i + 1])
            i += 2
        else:
            out.append(sents[i])
            i += 1
    return out


def _pair(doc_id: str, en: list[str], bn: list[str]) -> str:
    return json.dumps({"id": doc_id, "src": {"id": doc_id, "lang": "en", "sentences": en},
                       "tgt": {"id": doc_id, "lang": "bn", "sentences": bn}},
                      ensure_ascii=False) + "\n"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scale-align")
    en = shared_path("tico19", "en-bn", "tico19-test.en").read_text("utf-8").splitlines()
    bn = shared_path("tico19", "en-bn", "tico19-test.bn").read_text("utf-8").splitlines()
    rng = random.Random(3)
    lines, start, n = [], 0, 0
    while start < SENTENCES:
        size = 8 + (n * 7) % 25
        lines.append(_pair(f"tico-{n}", en[start:start + size],
                           _perturb(bn[start:start + size], rng)))
        start, n = start + size, n + 1
    lines.insert(5, _pair("empty-bn", en[:3], []))
    lines.insert(9, "\n")
    (root / "pairs.jsonl").write_text("".join(lines), encoding="utf-8")
    return root


def run(data: Path, out: Path, *extra) -> dict[str, bytes]:
    """Align into `out` (beads, every aligner's beads, report); their bytes."""
    out.mkdir(parents=True, exist_ok=True)
    res = lrtk(*ALIGN, data / "pairs.jsonl", "--output-format", "beads",
               "-o", out / "out.beads", "--save-aligners", out, "--report", out / "report.json",
               *extra)
    assert res.code == 0, res.err
    return outputs(out)


def outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if not p.name.startswith(".")}


@pytest.fixture(scope="module")
def single(data) -> dict[str, bytes]:
    return run(data, data / "single", "--workers", "1")


def test_single_process_run_aligns_every_document(data, single):
    assert sorted(single) == ["embedding.beads", "length.beads", "lexical.beads",
                              "out.beads", "report.json"]
    docs = [json.loads(line) for line in (data / "pairs.jsonl").read_text("utf-8").splitlines()
            if line]
    report = json.loads(single["report.json"])
    assert report["documents"] == len(docs)
    assert report["src_sentences"] == sum(len(d["src"]["sentences"]) for d in docs) > SENTENCES
    assert report["empty_documents"] == ["empty-bn"]
    # Merges and drops were put in: the ensemble has 2-1 and 1-0 beads as well.
    assert report["bead_shapes"]["1-1"] > 250 and report["bead_shapes"]["2-1"] > 10
    for name in ("out.beads", "lexical.beads"):
        assert len(single[name].decode().split("\n\n")) == len(docs)  # a block per document


def test_two_workers_give_the_same_bytes(data, single):
    assert run(data, data / "two", "--workers", "2", "--num-shards", "5") == single


def test_jsonl_pairs_are_the_same_bytes_in_shards(data, tmp_path):
    def pairs(out: Path, *extra) -> bytes:
        res = lrtk(*ALIGN, data / "pairs.jsonl", "-o", out, *extra)
        assert res.code == 0, res.err
        return out.read_bytes()

    one = pairs(tmp_path / "one.jsonl", "--workers", "1")
    assert one.count(b"\n") > 300
    # Document pairs on stdin are spooled into the work folder and cut the same way.
    res = lrtk(*ALIGN, "--workers", "2", "--num-shards", "7",
               stdin=(data / "pairs.jsonl").read_bytes())
    assert res.code == 0 and res.out.encode() == one, res.err


def test_documents_joined_by_id_are_the_same_bytes_in_shards(data, tmp_path):
    """--src-docs/--tgt-docs: each shard looks its documents' target side up by id."""
    docs = [json.loads(line) for line in (data / "pairs.jsonl").read_text("utf-8").splitlines()
            if line]
    sides = {"src": [{**d["src"], "id": d["id"]} for d in docs],
             "tgt": [{**d["tgt"], "id": d["id"]} for d in reversed(docs)]}  # any order
    sides["src"].insert(3, {"id": "only-en", "lang": "en", "sentences": ["Stay at home."]})
    for side, records in sides.items():
        (tmp_path / f"{side}.jsonl").write_text("".join(
            json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")

    def joined(name: str, *extra) -> tuple[bytes, dict]:
        res = lrtk(*ALIGN, "--src-docs", tmp_path / "src.jsonl", "--tgt-docs",
                   tmp_path / "tgt.jsonl", "-o", tmp_path / f"{name}.jsonl",
                   "--report", tmp_path / f"{name}.json", *extra)
        assert res.code == 0 and "only-en" in res.err, res.err
        return ((tmp_path / f"{name}.jsonl").read_bytes(),
                json.loads((tmp_path / f"{name}.json").read_text("utf-8")))

    one, report = joined("one", "--workers", "1")
    assert report["src_only_ids"] == ["only-en"] and report["documents"] == len(docs)
    assert joined("four", "--workers", "2", "--num-shards", "4") == (one, report)


def test_four_shards_and_merge_give_the_same_bytes(data, single, tmp_path):
    model = tmp_path / "model.json"
    res = lrtk(*ALIGN, data / "pairs.jsonl", "--fit-only", "--model-out", model)
    assert res.code == 0 and model.exists(), res.err
    work = tmp_path / "work"
    for i in (3, 1, 0, 2):  # any order, as a cluster would run them
        res = lrtk(*ALIGN, data / "pairs.jsonl", "--model", model, "--output-format", "beads",
                   "--save-aligners", tmp_path, "--work-dir", work, "--num-shards", "4",
                   "--shard-index", i)
        assert res.code == 0, res.err
    out = tmp_path / "out"
    out.mkdir()
    res = lrtk(*ALIGN, "--merge", "--work-dir", work, "--num-shards", "4",
               "-o", out / "out.beads", "--save-aligners", out, "--report", out / "report.json")
    assert res.code == 0, res.err
    assert outputs(out) == single


def test_ray_executor_gives_the_same_bytes(data, single, tmp_path, ray_address):
    # The session's two-CPU head on 127.0.0.1 (tests/ray_cluster.py), joined by address.
    assert run(data, tmp_path / "ray", "--executor", "ray", "--ray-address", ray_address,
               "--num-shards", "3") == single


def test_killed_run_resumes_without_reusing_a_half_written_shard(data, single, tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    out.mkdir()
    args = [*ALIGN, data / "pairs.jsonl", "--output-format", "beads", "--save-aligners", out,
            "--work-dir", work, "--num-shards", "9", "--workers", "1",
            "-o", out / "out.beads", "--report", out / "report.json"]

    def finished() -> list[Path]:
        return sorted(work.glob("shard-*/DONE"))

    res = interrupted(*args, sig=signal.SIGKILL, when=lambda: len(finished()) >= 2)
    assert res.code == -signal.SIGKILL
    assert all(p.name.startswith(".") for p in out.iterdir()), "a killed run wrote outputs"
    done = {p.parent.name: p.stat().st_mtime_ns for p in finished()}
    assert 2 <= len(done) < 9
    # A shard killed mid-way leaves no marker; plant a damaged one as well.
    stale = work / "shard-00008-of-00009"
    stale.mkdir(exist_ok=True)
    (stale / "output").write_text("[0]:[0]\nhalf-written\n", encoding="utf-8")

    res = lrtk(*args)
    assert res.code == 0, res.err
    assert outputs(out) == single
    assert {name: (work / name / "DONE").stat().st_mtime_ns for name in done} == done
    assert b"half-written" not in (stale / "output").read_bytes()


def _model(data: Path, tgt_lang: str = "bn") -> Path:
    """The en-bn model of the data, or a copy that says it is for en-`tgt_lang`."""
    model = data / "model-en-bn.json"
    if not model.exists():
        res = lrtk(*ALIGN, data / "pairs.jsonl", "--fit-only", "--model-out", model)
        assert res.code == 0, res.err
    if tgt_lang == "bn":
        return model
    other = data / f"model-en-{tgt_lang}.json"
    other.write_text(json.dumps({**json.loads(model.read_text("utf-8")), "tgt_lang": tgt_lang},
                                ensure_ascii=False), encoding="utf-8")
    return other


@pytest.mark.parametrize("case", [
    "shard-without-work-dir", "shard-index-out-of-range", "shard-without-model",
    "shard-reads-stdin", "merge-without-work-dir", "merge-of-unfinished-shards",
    "model-not-a-model", "model-other-languages", "model-and-other-dictionary",
    "fit-only-without-model-out", "src-docs-on-stdin", "work-dir-of-another-run"])
def test_wrong_shard_options_are_one_error_line(case, data, tmp_path):
    pairs = data / "pairs.jsonl"
    work = tmp_path / "work"
    bad = tmp_path / "model.json"
    bad.write_text('{"format": "something else"}\n', encoding="utf-8")
    shard = ["--num-shards", "2", "--shard-index", "0"]
    model = ["--model", _model(data)]
    if case == "merge-of-unfinished-shards":
        assert lrtk(*ALIGN, pairs, *model, *shard, "--work-dir", work).code == 0
    if case == "work-dir-of-another-run":
        assert lrtk(*ALIGN, pairs, *model, *shard, "--work-dir", work, "--max-side", "3").code == 0
    args, names, code = {
        "shard-without-work-dir": ([pairs, *shard], ["--shard-index", "--work-dir"], 2),
        "shard-index-out-of-range": ([pairs, "--num-shards", "2", "--shard-index", "2",
                                      "--work-dir", work], ["--shard-index 2"], 2),
        "shard-without-model": ([pairs, *shard, "--work-dir", work], ["--model"], 2),
        "shard-reads-stdin": (["-", *model, *shard, "--work-dir", work], ["stdin"], 2),
        "merge-without-work-dir": (["--merge"], ["--merge", "--work-dir"], 2),
        "merge-of-unfinished-shards": (["--merge", "--work-dir", work],
                                       [str(work), "1 of 2 shards"], 2),
        "model-not-a-model": ([pairs, "--model", bad], [str(bad)], 1),
        "model-other-languages": ([pairs, "--model", _model(data, "ne")],
                                  ["en-ne", "en-bn"], 2),
        "model-and-other-dictionary": ([pairs, *model, "--dictionary", bad],
                                       ["--dictionary", "model-en-bn.json"], 2),
        "fit-only-without-model-out": ([pairs, "--fit-only"], ["--model-out"], 2),
        "src-docs-on-stdin": (["--src-docs", "-", "--tgt-docs", pairs], ["stdin"], 2),
        "work-dir-of-another-run": ([pairs, *model, *shard, "--work-dir", work],
                                    [str(work), "different run"], 2),
    }[case]
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(out)
    res = lrtk(*ALIGN, *args, "-o", out / "pairs.jsonl", stdin=b"")
    assert_one_line_error(res, *names, code=code)
    assert_unchanged(out, before)


def test_slurm_script_commands_give_the_one_process_bytes(data, single, tmp_path):
    """pipelines/slurm/lrtk-sharded.sh align: fit, array, merge (a stand-in sbatch runs
    each job's command at once; tests/test_scale_slurm.py)."""
    from test_scale_slurm import run_script

    out = tmp_path / "out"
    out.mkdir()
    run_script(tmp_path, "align", data / "pairs.jsonl", out / "out.beads", *ALIGN[1:],
               "--output-format", "beads", "--save-aligners", out, REPORT=out / "report.json")
    assert outputs(out) == single


def test_fit_sample_is_whole_documents_up_to_the_size(data):
    """The dictionary's sample: every document when the input is small enough (the unsharded
    result), else a seeded draw of whole documents that just reaches the size."""
    from array import array

    from lrtk.align.fit import sample_units

    counts = array("q", [len(json.loads(line)["src"]["sentences"]) if line else 0
                         for line in (data / "pairs.jsonl").read_text("utf-8").splitlines()])
    everything = [i for i, n in enumerate(counts) if n]
    assert sample_units(counts, sum(counts), seed=0) == everything
    drawn = sample_units(counts, 150, seed=0)
    assert drawn == sorted(drawn) and set(drawn) < set(everything)
    total = sum(counts[i] for i in drawn)
    assert total >= 150 and min(total - counts[i] for i in drawn) < 150
    assert sample_units(counts, 150, seed=0) == drawn != sample_units(counts, 150, seed=1)
