"""The language-pair pipelines through `make PAIR`, at small sizes, on bundled documents.

Every stage runs for real (segment → align → filter → corpus → tokenizer → sample → train →
tune → eval → export → run, and the quality stage scoring segment, align and filter on the
pair's own gold); only the sizes are small. Every pair runs end to end, from its config: its
languages, documents, licence and prompt reach the stages. The Make targets must skip stages
whose fingerprint did not change and rerun a stage and those after it when its knobs change.
Every pair's committed data card (the one a full `make PAIR` writes) must carry the licence of
its data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO, SHARED_DATA

PIPELINE = REPO / "pipelines" / "pair.sh"
N_DOCS = 3  # the first documents: for TICO-19 a dialogue and two short web pages
# The licence each pair's data is under, as its data card must state it. A pair added under
# pipelines/pairs/ without an entry here fails test_every_pair_is_tested.
LICENCES = {"bn-en": "CC0-1.0", "ne-en": "CC0-1.0", "si-en": "CC-BY-SA", "ur-en": "CC0-1.0"}
BUILD_STAGES = ["segment", "align", "filter", "corpus", "tokenizer", "sample", "train", "tune",
                "eval", "export", "run", "quality"]

SMALL = {
    "CORPUS_TEST": "20", "CORPUS_DEV": "10", "TOKENIZER_VOCAB": "400",
    "TRAIN_LAYERS": "2", "TRAIN_HIDDEN": "64", "TRAIN_INTERMEDIATE": "128", "TRAIN_HEADS": "4",
    "TRAIN_KV_HEADS": "2", "TRAIN_SEQ_LEN": "64", "TRAIN_STEPS": "20", "TRAIN_BATCH": "8",
    "TUNE_LORA_R": "8", "TUNE_LORA_ALPHA": "16", "TUNE_TRANSLATION_STEPS": "6",
    "TUNE_TACO_STEPS": "4", "EVAL_MAX_NEW_TOKENS": "8", "RUN_TOKENS": "8",
    "RUN_BENCH_THREADS": "1", "RUN_BENCH_PROMPT_TOKENS": "16", "RUN_BENCH_DECODE_TOKENS": "8",
    "QUALITY_DOCUMENTS": "3", "QUALITY_DATA": str(SHARED_DATA),
}


def _conf(pair: str, name: str) -> str:
    """A knob as the pair's config sets it (the environment's overrides left out)."""
    return subprocess.run(["bash", "-c", f'source "$1"; printf %s "${name}"', "-",
                           str(REPO / "pipelines" / "pairs" / f"{pair}.conf")],
                          env={"PATH": os.environ["PATH"]}, capture_output=True, text=True,
                          check=True).stdout


def _small_docs(dest: Path, pair: str = "bn-en") -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    docs = REPO / _conf(pair, "DOCS_DIR")
    for lang in pair.split("-"):
        lines = (docs / f"docs.{lang}.jsonl").read_text(encoding="utf-8").splitlines()
        (dest / f"docs.{lang}.jsonl").write_text("\n".join(lines[:N_DOCS]) + "\n", encoding="utf-8")
    return dest


def _make(out: Path, env: dict, *knobs: str, pair: str = "bn-en") -> subprocess.CompletedProcess:
    # -o keeps make from re-running setup: the test suite itself runs inside that setup.
    cmd = ["make", "-C", str(REPO), "-o", ".venv/.setup-stamp", pair, f"OUT={out}"]
    proc = subprocess.run(cmd, env={**os.environ, **env, **dict(k.split("=", 1) for k in knobs)},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _stages_run(proc: subprocess.CompletedProcess, pair: str = "bn-en") -> list[str]:
    stages = [line.split(": ", 1)[1] for line in proc.stderr.splitlines()
              if line.startswith(f"== {pair}: ")]
    # the table and the HTML report are rewritten after any rerun
    return [s for s in stages if s not in ("summary", "report")]


def _card_front(card: Path) -> dict:
    return yaml.safe_load(card.read_text(encoding="utf-8").split("---\n")[1])


def _small_build(tmp: Path, pair: str):
    env = {**SMALL, "DOCS_DIR": str(_small_docs(tmp / "docs", pair)),
           "CORPUS_CARD": str(tmp / "card.md"), "CI": "1"}
    out = tmp / "out"
    proc = _make(out, env, pair=pair)
    return out / pair, env, out, proc


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """pair -> its small build, made on first use."""
    made = {}

    def get(pair: str):
        if pair not in made:
            made[pair] = _small_build(tmp_path_factory.mktemp(f"pipeline-{pair}"), pair)
        return made[pair]
    return get


@pytest.fixture(scope="module")
def build(builds):
    return builds("bn-en")


def test_every_pair_is_tested():
    confs = sorted(p.stem for p in (REPO / "pipelines" / "pairs").glob("*.conf"))
    assert confs == sorted(LICENCES)


@pytest.mark.parametrize("pair", sorted(LICENCES))
def test_every_stage_ran_and_reported(pair, builds):
    work, env, _, proc = builds(pair)
    src = pair.split("-")[0]
    assert _stages_run(proc, pair) == BUILD_STAGES
    summary = (work / "summary.md").read_text(encoding="utf-8")
    assert summary in proc.stdout  # make prints the table, then where the report is
    assert proc.stdout.split(summary, 1)[1].startswith(f"report: {work / 'report.html'}\n")
    rows = [line for line in summary.splitlines() if line.startswith("| ") and "stage" not in line]
    assert len(rows) == 10, summary
    empty = [r for r in rows if r.endswith("| - |")]
    # without the shared data the quality stage is skipped, and its row says so
    assert empty == ([] if SHARED_DATA.is_dir() else ["| quality | - |"]), summary
    filtered = sum(1 for _ in open(work / "filtered.jsonl", encoding="utf-8"))
    corpus = json.loads((work / "reports" / "corpus.json").read_text())["counts"]["splits"]
    assert corpus["test"] == 20 and corpus["dev"] == 10 and corpus["train"] > 100
    assert sum(corpus.values()) <= filtered
    assert (work / "model.lrtk").stat().st_size > 0
    assert (work / "run.txt").read_text(encoding="utf-8").startswith(_conf(pair, "RUN_PROMPT"))
    # the pair's config reached every stage: its languages and documents (segmenter, corpus,
    # tokenizer), its corpus name and its data's licence (the card)
    seg = [json.loads((work / "reports" / f"segment.{lang}.json").read_text())
           for lang in (src, "en")]
    assert [s["lang"] for s in seg] == [src, "en"] and seg[0]["documents"] == N_DOCS
    front = _card_front(Path(env["CORPUS_CARD"]))
    assert front["languages"] == [src, "en"] and front["name"] == _conf(pair, "CORPUS_NAME")
    assert [s["licence"] for s in front["sources"]] == [LICENCES[pair]]
    fertility = json.loads((work / "reports" / "tokenizer.json").read_text())["languages"]
    assert sorted(r["lang"] for r in fertility) == sorted([src, "en"])


@pytest.mark.parametrize("pair", sorted(LICENCES))
def test_quality_on_the_pairs_own_gold(pair, builds):
    """Segment, align and filter scored on the pair's own documents (their first three): the
    pair's languages, its gold set, and figures that only working stages reach."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found: {SHARED_DATA} (set LRTK_SHARED_DATA)")
    work = builds(pair)[0]
    q = json.loads((work / "reports" / "quality.json").read_text(encoding="utf-8"))
    assert q["set"] == _conf(pair, "QUALITY_SET")
    assert sorted(q["segment"]) == sorted(pair.split("-"))
    assert all(s["boundaries"] > 50 and s["f1"] >= 0.9 for s in q["segment"].values()), q
    assert q["align"]["strict_f1"] >= 0.8, q["align"]
    rates = q["filter"]["rates"]
    assert rates["clean"]["kept"] >= 0.8 and q["filter"]["noise_flagged"] >= 0.8, rates
    # the aligner ran on the perturbed documents: English intact, the other side merged/dropped
    gold = (work / "quality" / "align.gold.beads").read_text(encoding="utf-8").split("\n\n")
    assert len(gold) == N_DOCS and "]:[]" in "".join(gold) and "," in "".join(gold)


@pytest.mark.parametrize("pair", sorted(LICENCES))
def test_committed_data_card_carries_the_licence(pair):
    """data_cards/<name>.md is what a full `make PAIR` wrote; its data's licence file sits
    beside the sample documents."""
    card = REPO / "data_cards" / f"{_conf(pair, 'CORPUS_NAME')}.md"
    front = _card_front(card)
    assert [s["licence"] for s in front["sources"]] == [LICENCES[pair]], card
    assert front["languages"] == pair.split("-")
    assert sum(front["counts"]["splits"].values()) > 1000  # the whole sample, not a small build
    docs = REPO / _conf(pair, "DOCS_DIR")
    licence_file = {"CC0-1.0": "LICENSE-CC0.md", "CC-BY-SA": "LICENSE-CC-BY-SA.md"}[LICENCES[pair]]
    assert (docs / licence_file).is_file()


def test_the_pairs_table(builds, tmp_path):
    """`make pairs`' table across builds: a row per pair, every cell filled, each pair's own
    licence and figures; --update rewrites the marked tables of a page and nothing else."""
    works = [builds(pair)[0] for pair in sorted(LICENCES)]
    subprocess.run([sys.executable, "-m", "lrtk.pipeline_summary", "--pairs", *map(str, works),
                    "-o", str(tmp_path / "pairs.md")], check=True, capture_output=True)
    table = (tmp_path / "pairs.md").read_text(encoding="utf-8")
    rows = table.splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == [f"| {pair}" for pair in sorted(LICENCES)]
    assert [r.split(" | ")[1] for r in rows] == [LICENCES[pair] for pair in sorted(LICENCES)]
    if SHARED_DATA.is_dir():
        assert not [r for r in rows if " - |" in r], rows

    page = tmp_path / "page.md"
    page.write_text("intro\n<!-- pairs-table: compact -->\n| old |\n|---|\n\nmiddle\n"
                    "<!-- pairs-table: full -->\n| old |\nend\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "lrtk.pipeline_summary", "--pairs", *map(str, works),
                    "--update", str(page)], check=True, capture_output=True)
    text = page.read_text(encoding="utf-8")
    assert "| old |" not in text and text.startswith("intro\n") and text.endswith("\nend\n")
    assert text.count("| bn-en |") == 2 and f"\n\nmiddle\n<!-- pairs-table: full -->\n{table}end" in text
    assert "| pair | segment F1 (src / en) | align strict F1 |" in text.split("middle")[0]


def test_second_run_does_nothing(build):
    work, env, out, _ = build
    proc = _make(out, env)
    assert _stages_run(proc) == []


def test_changed_knob_reruns_that_stage_and_later_only(build):
    work, env, out, _ = build
    proc = _make(out, env, "EXPORT_BITS=2")
    assert _stages_run(proc) == ["export", "run"]
    proc = _make(out, env, "EXPORT_BITS=2")
    assert _stages_run(proc) == []
    # the quality stage stands apart: nothing but the summary depends on it
    proc = _make(out, env, "EXPORT_BITS=2", "QUALITY_DOCUMENTS=2")
    assert _stages_run(proc) == ["quality"]


def test_clean_rebuild_gives_identical_corpus_and_card(build, tmp_path):
    work, env, _, _ = build
    again = tmp_path / "again"
    card = tmp_path / "card.md"
    subprocess.run([str(PIPELINE), "bn-en", "segment", "align", "filter", "corpus"],
                   cwd=REPO, check=True, capture_output=True,
                   env={**os.environ, **env, "WORK": str(again), "CORPUS_CARD": str(card),
                        "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}"})
    files = sorted(p.relative_to(work / "corpus") for p in (work / "corpus").rglob("*") if p.is_file())
    assert files
    for rel in files:
        assert (again / "corpus" / rel).read_bytes() == (work / "corpus" / rel).read_bytes(), rel
    # The card records its command line, which differs only by the WORK and card paths (and
    # so by where YAML wraps that line).
    first = " ".join(Path(env["CORPUS_CARD"]).read_text(encoding="utf-8").split())
    first = first.replace(str(work), "WORK").replace(env["CORPUS_CARD"], "CARD")
    second = " ".join(card.read_text(encoding="utf-8").split())
    assert second.replace(str(again), "WORK").replace(str(card), "CARD") == first
