"""The language-pair pipelines through `make PAIR`, at small sizes, on bundled documents.

Every stage runs for real (segment → align → filter → corpus → tokenizer → sample → train →
tune → eval → export → run); only the sizes are small. bn-en (the demo) and si-en (another
script, another source, another licence) run end to end; ne-en and ur-en run the data
stages, which are where a pair's config matters (languages, documents, licence, eval sets
kept out). The Make targets must skip stages whose fingerprint did not change and rerun a
stage and those after it when its knobs change. Every pair's committed data card (the one a
full `make PAIR` writes) must carry the licence of its data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

PIPELINE = REPO / "pipelines" / "pair.sh"
N_DOCS = 3  # the first documents: for TICO-19 a dialogue and two short web pages
# The licence each pair's data is under, as its data card must state it. A pair added under
# pipelines/pairs/ without an entry here fails test_every_pair_is_tested.
LICENCES = {"bn-en": "CC0-1.0", "ne-en": "CC0-1.0", "si-en": "CC-BY-SA", "ur-en": "CC0-1.0"}
PROMPTS = {"bn-en": "করোনাভাইরাস", "si-en": "කෞතුකාගාර"}  # the pairs built end to end

SMALL = {
    "CORPUS_TEST": "20", "CORPUS_DEV": "10", "TOKENIZER_VOCAB": "400",
    "TRAIN_LAYERS": "2", "TRAIN_HIDDEN": "64", "TRAIN_INTERMEDIATE": "128", "TRAIN_HEADS": "4",
    "TRAIN_KV_HEADS": "2", "TRAIN_SEQ_LEN": "64", "TRAIN_STEPS": "20", "TRAIN_BATCH": "8",
    "TUNE_LORA_R": "8", "TUNE_LORA_ALPHA": "16", "TUNE_TRANSLATION_STEPS": "6",
    "TUNE_TACO_STEPS": "4", "EVAL_MAX_NEW_TOKENS": "8", "RUN_TOKENS": "8",
    "RUN_BENCH_THREADS": "1", "RUN_BENCH_PROMPT_TOKENS": "16", "RUN_BENCH_DECODE_TOKENS": "8",
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
def build(tmp_path_factory):
    return _small_build(tmp_path_factory.mktemp("pipeline"), "bn-en")


@pytest.fixture(scope="module")
def build_si(tmp_path_factory):
    return _small_build(tmp_path_factory.mktemp("pipeline-si"), "si-en")


def test_every_pair_is_tested():
    confs = sorted(p.stem for p in (REPO / "pipelines" / "pairs").glob("*.conf"))
    assert confs == sorted(LICENCES)


@pytest.mark.parametrize("which", ["build", "build_si"])
def test_every_stage_ran_and_reported(which, request):
    work, env, _, proc = request.getfixturevalue(which)
    pair = work.name
    src = pair.split("-")[0]
    assert _stages_run(proc, pair) == ["segment", "align", "filter", "corpus", "tokenizer",
                                       "sample", "train", "tune", "eval", "export", "run"]
    summary = (work / "summary.md").read_text(encoding="utf-8")
    assert summary in proc.stdout  # make prints the table, then where the report is
    assert proc.stdout.split(summary, 1)[1].startswith(f"report: {work / 'report.html'}\n")
    rows = [line for line in summary.splitlines() if line.startswith("| ") and "stage" not in line]
    assert len(rows) == 9 and not [r for r in rows if r.endswith("| - |")], summary
    filtered = sum(1 for _ in open(work / "filtered.jsonl", encoding="utf-8"))
    corpus = json.loads((work / "reports" / "corpus.json").read_text())["counts"]["splits"]
    assert corpus["test"] == 20 and corpus["dev"] == 10
    assert sum(corpus.values()) <= filtered
    assert (work / "model.lrtk").stat().st_size > 0
    assert (work / "run.txt").read_text(encoding="utf-8").startswith(PROMPTS[pair])
    # the pair's languages reached every stage: segmenter, corpus and tokenizer
    assert [json.loads((work / "reports" / f"segment.{lang}.json").read_text())["lang"]
            for lang in (src, "en")] == [src, "en"]
    assert _card_front(Path(env["CORPUS_CARD"]))["languages"] == [src, "en"]
    fertility = json.loads((work / "reports" / "tokenizer.json").read_text())["languages"]
    assert sorted(r["lang"] for r in fertility) == sorted([src, "en"])


@pytest.mark.parametrize("pair", ["ne-en", "ur-en"])
def test_data_stages_of_the_other_pairs(pair, tmp_path):
    """segment → align → filter → corpus from the pair's config: its languages, its
    documents and its licence on the card."""
    env = {**os.environ, **SMALL, "DOCS_DIR": str(_small_docs(tmp_path / "docs", pair)),
           "WORK": str(tmp_path / "work"), "CORPUS_CARD": str(tmp_path / "card.md"),
           "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}"}
    proc = subprocess.run([str(PIPELINE), pair, "segment", "align", "filter", "corpus"],
                          cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    src = pair.split("-")[0]
    seg = json.loads((tmp_path / "work" / "reports" / f"segment.{src}.json").read_text())
    assert seg["lang"] == src and seg["documents"] == N_DOCS
    front = _card_front(tmp_path / "card.md")
    assert front["languages"] == [src, "en"] and front["name"] == _conf(pair, "CORPUS_NAME")
    assert [s["licence"] for s in front["sources"]] == [LICENCES[pair]]
    splits = front["counts"]["splits"]
    assert splits["test"] == 20 and splits["dev"] == 10 and splits["train"] > 100


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


def test_the_pairs_table(build, build_si, tmp_path):
    """`make pairs`' table across builds: a row per pair, every cell filled, each pair's own
    licence and figures."""
    works = [build[0], build_si[0]]
    subprocess.run([sys.executable, "-m", "lrtk.pipeline_summary", "--pairs", *map(str, works),
                    "-o", str(tmp_path / "pairs.md")], check=True, capture_output=True)
    rows = (tmp_path / "pairs.md").read_text(encoding="utf-8").splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == ["| bn-en", "| si-en"]
    assert [r.split(" | ")[1] for r in rows] == ["CC0-1.0", "CC-BY-SA"]
    assert not [r for r in rows if " - |" in r], rows


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
