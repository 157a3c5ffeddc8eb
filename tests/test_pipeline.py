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
from pair_builds import N_DOCS, pair_conf, run_make

PIPELINE = REPO / "pipelines" / "pair.sh"
# The licence each pair's data is under, as its data card must state it. A pair added under
# pipelines/pairs/ without an entry here fails test_every_pair_is_tested.
LICENCES = {"bn-en": "CC0-1.0", "ne-en": "CC0-1.0", "si-en": "CC-BY-SA", "ur-en": "CC0-1.0"}
BUILD_STAGES = ["segment", "align", "filter", "corpus", "tokenizer", "sample", "train", "tune",
                "eval", "export", "run", "quality"]


def _stages_run(proc: subprocess.CompletedProcess, pair: str = "bn-en") -> list[str]:
    stages = [line.split(": ", 1)[1] for line in proc.stderr.splitlines()
              if line.startswith(f"== {pair}: ")]
    # the table and the HTML report are rewritten after any rerun
    return [s for s in stages if s not in ("summary", "report")]


def _card_front(card: Path) -> dict:
    return yaml.safe_load(card.read_text(encoding="utf-8").split("---\n")[1])


def test_every_pair_is_tested():
    confs = sorted(p.stem for p in (REPO / "pipelines" / "pairs").glob("*.conf"))
    assert confs == sorted(LICENCES)


@pytest.mark.parametrize("pair", sorted(LICENCES))
def test_every_stage_ran_and_reported(pair, pair_builds):
    b = pair_builds(pair)
    work, proc = b.work, b.proc
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
    assert (work / "run.txt").read_text(encoding="utf-8").startswith(pair_conf(pair, "RUN_PROMPT"))
    # the pair's config reached every stage: its languages and documents (segmenter, corpus,
    # tokenizer), its corpus name and its data's licence (the card)
    seg = [json.loads((work / "reports" / f"segment.{lang}.json").read_text())
           for lang in (src, "en")]
    assert [s["lang"] for s in seg] == [src, "en"] and seg[0]["documents"] == N_DOCS
    front = _card_front(b.card)
    assert front["languages"] == [src, "en"] and front["name"] == pair_conf(pair, "CORPUS_NAME")
    assert [s["licence"] for s in front["sources"]] == [LICENCES[pair]]
    fertility = json.loads((work / "reports" / "tokenizer.json").read_text())["languages"]
    assert sorted(r["lang"] for r in fertility) == sorted([src, "en"])


def test_sinhala_segment_gold_counts_the_reviewed_ends_and_shows_line_ends_too():
    """si-en's quality stage scores FLORES si with its reviewed ends inside lines as gold,
    and the pairs table shows the figure against line ends alone beside it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found: {SHARED_DATA} (set LRTK_SHARED_DATA)")
    from lrtk.pair_quality import _documents, _segment_scores
    from lrtk.pipeline_summary import _segment_f1

    si = _segment_scores(_documents(SHARED_DATA, "flores-si"), "flores-si")["si"]
    assert si["f1"] >= 0.99 and si["f1_lines"] < si["f1"], si
    assert _segment_f1(si, 3) == f"{si['f1']:.3f} (line ends only {si['f1_lines']:.3f})"


@pytest.mark.parametrize("pair", sorted(LICENCES))
def test_quality_on_the_pairs_own_gold(pair, pair_builds):
    """Segment, align and filter scored on the pair's own documents (their first three): the
    pair's languages, its gold set, and figures that only working stages reach."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found: {SHARED_DATA} (set LRTK_SHARED_DATA)")
    work = pair_builds(pair).work
    q = json.loads((work / "reports" / "quality.json").read_text(encoding="utf-8"))
    assert q["set"] == pair_conf(pair, "QUALITY_SET")
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
    card = REPO / "data_cards" / f"{pair_conf(pair, 'CORPUS_NAME')}.md"
    front = _card_front(card)
    assert [s["licence"] for s in front["sources"]] == [LICENCES[pair]], card
    assert front["languages"] == pair.split("-")
    assert sum(front["counts"]["splits"].values()) > 1000  # the whole sample, not a small build
    docs = REPO / pair_conf(pair, "DOCS_DIR")
    licence_file = {"CC0-1.0": "LICENSE-CC0.md", "CC-BY-SA": "LICENSE-CC-BY-SA.md"}[LICENCES[pair]]
    assert (docs / licence_file).is_file()


def test_the_pairs_table(pair_builds, tmp_path):
    """`make pairs`' table across builds: a row per pair, every cell filled, each pair's own
    licence and figures; --update rewrites the marked tables of a page and nothing else."""
    works = [pair_builds(pair).work for pair in sorted(LICENCES)]
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


def test_second_run_does_nothing(pair_builds):
    b = pair_builds("bn-en")
    assert _stages_run(run_make(b.out, b.env)) == []


def test_changed_knob_reruns_that_stage_and_later_only(pair_builds):
    b = pair_builds("bn-en")
    try:
        assert _stages_run(run_make(b.out, b.env, "EXPORT_BITS=2")) == ["export", "run"]
        assert _stages_run(run_make(b.out, b.env, "EXPORT_BITS=2")) == []
        # the quality stage stands apart: nothing but the summary depends on it
        proc = run_make(b.out, b.env, "EXPORT_BITS=2", "QUALITY_DOCUMENTS=2")
        assert _stages_run(proc) == ["quality"]
    finally:
        b.restore()


def test_build_from_an_older_model_file_version_exports_again(pair_builds):
    """A build whose model.lrtk an older lrtk wrote (this runtime refuses it) reruns export
    and run, not only when a knob changed."""
    from lrtk.io.model_file import VERSION

    b = pair_builds("bn-en")
    fingerprint = b.out / "bn-en" / ".config" / "export"
    text = fingerprint.read_text()
    assert f"model file version: {VERSION}\n" in text
    fingerprint.write_text(text.replace(f"model file version: {VERSION}\n",
                                        f"model file version: {VERSION - 1}\n"))
    assert _stages_run(run_make(b.out, b.env)) == ["export", "run"]
    assert _stages_run(run_make(b.out, b.env)) == []


def test_clean_rebuild_gives_identical_corpus_and_card(pair_builds, tmp_path):
    b = pair_builds("bn-en")
    again = tmp_path / "again"
    card = tmp_path / b.card.name  # the same name: the card names its plots after itself
    subprocess.run([str(PIPELINE), "bn-en", "segment", "align", "filter", "corpus"],
                   cwd=REPO, check=True, capture_output=True,
                   env={**b.stage_env, "WORK": str(again), "CORPUS_CARD": str(card),
                        "PATH": f"{REPO / '.venv' / 'bin'}:{os.environ['PATH']}"})
    files = sorted(p.relative_to(b.work / "corpus") for p in (b.work / "corpus").rglob("*")
                   if p.is_file())
    assert files
    for rel in files:
        assert (again / "corpus" / rel).read_bytes() == (b.work / "corpus" / rel).read_bytes(), rel
    # The card records its command line, which differs only by the WORK and card paths (and
    # so by where YAML wraps that line).
    first = " ".join(b.card.read_text(encoding="utf-8").split())
    first = first.replace(str(b.work), "WORK").replace(str(b.card), "CARD")
    second = " ".join(card.read_text(encoding="utf-8").split())
    assert second.replace(str(again), "WORK").replace(str(card), "CARD") == first
