"""Small builds of the language-pair pipelines (`make PAIR`), made once per test session.

A build runs every stage for real (segment → ... → quality → summary → report) on the first
three bundled documents of the pair, at tiny model sizes. tests/test_pipeline.py checks the
pipeline and tests/test_report.py the HTML report of the same bn-en build: one build of each
pair per session (about 45 s each), registered as a session fixture in conftest.py. Under
`make test` (pytest-xdist, a test file per worker) the two files may run on different
workers, and each worker then makes its own bn-en build.

A test that reruns stages with other knobs must put the build back as it was (`restore`):
the next test module reads the same build.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, SHARED_DATA

N_DOCS = 3  # the first documents: for TICO-19 a dialogue and two short web pages

SMALL = {
    "CORPUS_TEST": "20", "CORPUS_DEV": "10", "TOKENIZER_VOCAB": "400",
    "TRAIN_LAYERS": "2", "TRAIN_HIDDEN": "64", "TRAIN_INTERMEDIATE": "128", "TRAIN_HEADS": "4",
    "TRAIN_KV_HEADS": "2", "TRAIN_SEQ_LEN": "64", "TRAIN_STEPS": "20", "TRAIN_BATCH": "8",
    # held-out loss points for the report's curves; one compared export width for its sizes
    "TRAIN_EVAL_EVERY": "5", "EXPORT_COMPARE_BITS": "2",
    "TUNE_LORA_R": "8", "TUNE_LORA_ALPHA": "16", "TUNE_TRANSLATION_STEPS": "6",
    "TUNE_TACO_STEPS": "4", "EVAL_MAX_NEW_TOKENS": "8", "RUN_TOKENS": "8",
    "RUN_BENCH_THREADS": "1", "RUN_BENCH_PROMPT_TOKENS": "16", "RUN_BENCH_DECODE_TOKENS": "8",
    "QUALITY_DOCUMENTS": "3", "QUALITY_DATA": str(SHARED_DATA), "CI": "1",
    "OMP_NUM_THREADS": "1",
}


def summary_title(pair: str) -> str:
    return f"{pair} test build"


def pair_conf(pair: str, name: str) -> str:
    """A knob as the pair's config sets it (the environment's overrides left out)."""
    return subprocess.run(["bash", "-c", f'source "$1"; printf %s "${name}"', "-",
                           str(REPO / "pipelines" / "pairs" / f"{pair}.conf")],
                          env={"PATH": os.environ["PATH"]}, capture_output=True, text=True,
                          check=True).stdout


def small_docs(dest: Path, pair: str = "bn-en") -> Path:
    """The pair's first N_DOCS sample documents, each language in its own file."""
    dest.mkdir(parents=True, exist_ok=True)
    docs = REPO / pair_conf(pair, "DOCS_DIR")
    for lang in pair.split("-"):
        lines = (docs / f"docs.{lang}.jsonl").read_text(encoding="utf-8").splitlines()
        (dest / f"docs.{lang}.jsonl").write_text("\n".join(lines[:N_DOCS]) + "\n", encoding="utf-8")
    return dest


def run_make(out: Path, env: dict, *knobs: str, pair: str = "bn-en") -> subprocess.CompletedProcess:
    # -o keeps make from re-running setup: the test suite itself runs inside that setup.
    cmd = ["make", "-C", str(REPO), "-o", ".venv/.setup-stamp", pair, f"OUT={out}"]
    proc = subprocess.run(cmd, env={**os.environ, **env, **dict(k.split("=", 1) for k in knobs)},
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


@dataclass
class PairBuild:
    pair: str
    out: Path     # make's OUT
    env: dict     # the knobs make ran with (os.environ left out)
    proc: subprocess.CompletedProcess  # the first, full build

    @property
    def work(self) -> Path:
        return self.out / self.pair

    @property
    def card(self) -> Path:
        return Path(self.env["CORPUS_CARD"])

    @property
    def stage_env(self) -> dict:
        """The environment a stage of the build ran in, as make gives it to pipelines/pair.sh."""
        return {**os.environ, **self.env, "WORK": str(self.work)}

    def restore(self) -> None:
        """Rerun what other knobs changed, with the build's own."""
        run_make(self.out, self.env, pair=self.pair)


def small_build(tmp: Path, pair: str) -> PairBuild:
    env = {**SMALL, "DOCS_DIR": str(small_docs(tmp / "docs", pair)),
           "CORPUS_CARD": str(tmp / "card" / f"{pair}.md"), "SUMMARY_TITLE": summary_title(pair)}
    return PairBuild(pair, tmp / "out", env, run_make(tmp / "out", env, pair=pair))


@pytest.fixture(scope="session")
def pair_builds(tmp_path_factory):
    """pair -> its small build, made on first use."""
    made: dict[str, PairBuild] = {}

    def get(pair: str) -> PairBuild:
        if pair not in made:
            made[pair] = small_build(tmp_path_factory.mktemp(f"pipeline-{pair}"), pair)
        return made[pair]
    return get
