"""The bn-en pipeline end to end through `make bn-en`, at small sizes, on bundled documents.

Every stage runs for real (segment → align → filter → corpus → tokenizer → sample → train →
tune → eval → export → run); only the sizes are small. The Make targets must skip stages
whose fingerprint did not change and rerun a stage and those after it when its knobs change.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO

DOCS = REPO / "samples" / "tico19-bn-en"
N_DOCS = 3  # the first TICO-19 documents: a dialogue and two short web pages

SMALL = {
    "CORPUS_TEST": "20", "CORPUS_DEV": "10", "TOKENIZER_VOCAB": "400",
    "TRAIN_LAYERS": "2", "TRAIN_HIDDEN": "64", "TRAIN_INTERMEDIATE": "128", "TRAIN_HEADS": "4",
    "TRAIN_KV_HEADS": "2", "TRAIN_SEQ_LEN": "64", "TRAIN_STEPS": "20", "TRAIN_BATCH": "8",
    "TUNE_LORA_R": "8", "TUNE_LORA_ALPHA": "16", "TUNE_TRANSLATION_STEPS": "6",
    "TUNE_TACO_STEPS": "4", "EVAL_MAX_NEW_TOKENS": "8", "RUN_TOKENS": "8",
    "RUN_BENCH_THREADS": "1", "RUN_BENCH_PROMPT_TOKENS": "16", "RUN_BENCH_DECODE_TOKENS": "8",
}


def _small_docs(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for lang in ("bn", "en"):
        lines = (DOCS / f"docs.{lang}.jsonl").read_text(encoding="utf-8").splitlines()
        (dest / f"docs.{lang}.jsonl").write_text("\n".join(lines[:N_DOCS]) + "\n", encoding="utf-8")
    return dest


def _make(out: Path, env: dict, *knobs: str) -> subprocess.CompletedProcess:
    # -o keeps make from re-running setup: the test suite itself runs inside that setup.
    cmd = ["make", "-C", str(REPO), "-o", ".venv/.setup-stamp", "bn-en", f"OUT={out}"]
    proc = subprocess.run(cmd, env={**os.environ, **env, **dict(k.split("=", 1) for k in knobs)},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _stages_run(proc: subprocess.CompletedProcess) -> list[str]:
    stages = [line.split(": ", 1)[1] for line in proc.stderr.splitlines()
              if line.startswith("== bn-en: ")]
    # the table and the HTML report are rewritten after any rerun
    return [s for s in stages if s not in ("summary", "report")]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pipeline")
    env = {**SMALL, "DOCS_DIR": str(_small_docs(tmp / "docs")), "CORPUS_CARD": str(tmp / "card.md"),
           "CI": "1"}
    out = tmp / "out"
    proc = _make(out, env)
    return out / "bn-en", env, out, proc


def test_every_stage_ran_and_reported(build):
    work, _, _, proc = build
    assert _stages_run(proc) == ["segment", "align", "filter", "corpus", "tokenizer", "sample",
                                 "train", "tune", "eval", "export", "run"]
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
    assert (work / "run.txt").read_text(encoding="utf-8").startswith("করোনাভাইরাস")


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
    subprocess.run([str(REPO / "pipelines" / "bn-en.sh"), "segment", "align", "filter", "corpus"],
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
