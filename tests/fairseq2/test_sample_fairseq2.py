"""The fairseq2 DataPipeline backend of `lrtk sample draw` against the python backend.

Runs in the fairseq2 environment (`make test-fairseq2`); elsewhere it skips.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import pytest

pytest.importorskip("fairseq2.data.data_pipeline",
                    reason="fairseq2 is not installed here; `make test-fairseq2` runs these "
                           "tests in .venv-fairseq2")
pytestmark = pytest.mark.fairseq2

from lrtk.errors import DataError  # noqa: E402
from lrtk.sampling import (  # noqa: E402
    CorpusSpec, MixtureStream, Schedule, plan_corpora, save_plan, scan_corpora,
)
from lrtk.sampling.fairseq2_pipeline import build_pipeline  # noqa: E402

TICO = {"bn": ("en-bn/tico19-test.bn", 2100), "ne": ("en-ne/tico19-test.ne", 700),
        "ur": ("en-ur/tico19-test.ur", 210), "en": ("en-bn/tico19-test.en", 2100)}


@pytest.fixture
def cooldown_plan(shared, tmp_path):
    base = shared("tico19")
    specs = []
    for lang, (rel, n) in TICO.items():
        path = tmp_path / f"{lang}.txt"
        lines = (base / rel).read_text(encoding="utf-8").splitlines()[:n]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        specs.append(CorpusSpec(lang, str(path)))
    corpora = scan_corpora(specs)
    plan = plan_corpora(corpora, schedule=Schedule("cooldown", tau=5, tau_end=1, switch=0.5),
                        budget=16000)
    return plan, corpora


def _counts(records):
    return Counter((r["phase"], r["lang"]) for r in records)


def test_both_backends_follow_the_analytic_probabilities(cooldown_plan):
    plan, corpora = cooldown_plan
    python = list(MixtureStream(plan, corpora, seed=11))
    fairseq2 = list(build_pipeline(plan, seed=11))
    assert len(python) == len(fairseq2) == plan.draws == 16000
    assert [r["phase"] for r in fairseq2] == sorted(r["phase"] for r in fairseq2)
    got_py, got_fs = _counts(python), _counts(fairseq2)
    for phase in plan.phases:
        n = phase.draws
        for lang, p in phase.draw_probs.items():
            sd = math.sqrt(n * p * (1 - p))
            expected = n * p
            assert abs(got_py[phase.index, lang] - expected) < 4 * sd, ("python", phase.index, lang)
            assert abs(got_fs[phase.index, lang] - expected) < 4 * sd, ("fairseq2", phase.index, lang)
            # two independent binomial counts: their difference has variance 2 n p (1 - p)
            assert abs(got_py[phase.index, lang] - got_fs[phase.index, lang]) < 4 * math.sqrt(2) * sd
    # the phases really differ: ur is upsampled before the switch, proportional after it
    assert got_fs[0, "ur"] > 3 * got_fs[1, "ur"]
    texts = {lang: set(open(plan.corpora[i].paths[0], encoding="utf-8").read().splitlines())
             for i, lang in enumerate(plan.languages)}
    assert all(r["text"] in texts[r["lang"]] for r in fairseq2)


def test_fairseq2_pipeline_is_deterministic_under_seed(cooldown_plan):
    plan, _ = cooldown_plan
    first = [json.dumps(r) for r in build_pipeline(plan, seed=5)]
    assert first == [json.dumps(r) for r in build_pipeline(plan, seed=5)]
    assert first != [json.dumps(r) for r in build_pipeline(plan, seed=6)]


def test_cli_draw_with_the_fairseq2_backend(cooldown_plan, run_cli, tmp_path):
    plan, _ = cooldown_plan
    plan_file = tmp_path / "plan.json"
    save_plan(plan, str(plan_file))
    out = tmp_path / "mix.jsonl"
    code, _, err = run_cli("sample", "draw", "--plan", plan_file, "--backend", "fairseq2",
                           "--seed", "3", "-o", out)
    assert code == 0, err
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 16000 and set(records[0]) == {"lang", "phase", "text"}
    assert "phase 0: bn" in err


def test_missing_final_newline_is_a_clear_error(cooldown_plan, tmp_path):
    plan, _ = cooldown_plan
    path = plan.corpora[0].paths[0]
    with open(path, "rb+") as fh:
        fh.seek(-1, 2)
        fh.truncate()
    with pytest.raises(DataError, match="last line has no newline"):
        build_pipeline(plan)
