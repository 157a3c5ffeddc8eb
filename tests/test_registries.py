"""Open registries (lrtk.registry): a filter, an aligner and a metric from a module outside
lrtk/ (tests/plugins/lrtk_user_plugins.py) run through the real CLI, named as module:Class
and as the entry points of an installed package (names that cannot be loaded:
tests/test_bad_inputs_vocab.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from badinput import REPO, lrtk
from conftest import shared_path

PLUGINS = Path(__file__).parent / "plugins"

ENTRY_POINTS = """\
[lrtk.filters]
max_chars = lrtk_user_plugins:MaxCharsFilter

[lrtk.aligners]
in_order = lrtk_user_plugins:InOrderAligner

[lrtk.metrics]
exact = lrtk_user_plugins:ExactMatch
"""


def on_path(*folders: Path) -> dict:
    return {"PYTHONPATH": os.pathsep.join(map(str, (REPO, *folders)))}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A site folder holding an installed distribution that declares the plugins as entry
    points (what `pip install` of a package with [project.entry-points] leaves behind)."""
    site = tmp_path_factory.mktemp("site")
    info = site / "lrtk_user_plugins-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lrtk-user-plugins\n"
                                   "Version: 1.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return site


@pytest.fixture(scope="module")
def pairs(tmp_path_factory) -> tuple[Path, list[dict]]:
    """200 Tatoeba ben-eng pairs."""
    ben = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.ben").read_text("utf-8")
    eng = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.eng").read_text("utf-8")
    recs = [{"id": f"t{i}", "src": s, "tgt": t, "src_lang": "bn", "tgt_lang": "en"}
            for i, (s, t) in enumerate(zip(ben.splitlines()[:200], eng.splitlines()[:200]))]
    path = tmp_path_factory.mktemp("pairs") / "pairs.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
    return path, recs


@pytest.mark.parametrize("name, env", [
    ("lrtk_user_plugins:MaxCharsFilter", "module"),
    ("max_chars", "entry point"),
])
def test_a_users_filter_runs_in_a_config_chain(pairs, installed, tmp_path, name, env):
    path, recs = pairs
    config = tmp_path / "chain.yaml"
    config.write_text(f"filters:\n  - duplicate\n  - {name}: {{max_chars: 25}}\n")
    report = tmp_path / "report.json"
    folders = (PLUGINS,) if env == "module" else (PLUGINS, installed)
    res = lrtk("filter", path, "--config", config, "--report", report, env=on_path(*folders))
    assert res.code == 0, res.err
    kept = [json.loads(line)["id"] for line in res.out.splitlines()]
    seen, expected = set(), []
    for r in recs:
        if (r["src"], r["tgt"]) not in seen and max(len(r["src"]), len(r["tgt"])) <= 25:
            expected.append(r["id"])
        seen.add((r["src"], r["tgt"]))
    assert kept == expected and 0 < len(kept) < len(recs)
    summary = json.loads(report.read_text("utf-8"))
    assert summary["filters"][1] == {"name": "max_chars", "max_chars": 25}


def test_a_users_aligner_and_metric(installed, tmp_path):
    src = tmp_path / "a.bn"
    tgt = tmp_path / "a.en"
    src.write_text("আমি ভাত খাই।\nতুমি কে?\nবৃষ্টি হচ্ছে।\n", "utf-8")
    tgt.write_text("I eat rice.\nWho are you?\n", "utf-8")
    for aligner in ("lrtk_user_plugins:InOrderAligner", "in_order"):
        res = lrtk("align", "--src-lang", "bn", "--tgt-lang", "en", "--src", src, "--tgt", tgt,
                   "--aligners", aligner, "--output-format", "beads",
                   env=on_path(PLUGINS, installed))
        assert res.code == 0, res.err
        assert res.out.split() == ["[0]:[0]", "[1]:[1]", "[2]:[]"]
    hyp = tmp_path / "hyp.txt"
    ref = tmp_path / "ref.txt"
    hyp.write_text("I eat rice.\nWho is it?\n", "utf-8")
    ref.write_text("I eat rice.\nWho are you?\n", "utf-8")
    for metric in ("lrtk_user_plugins:ExactMatch", "exact"):
        res = lrtk("eval", "--metric", f"chrf,{metric}", "--hyp", hyp, "--ref", ref, "--json",
                   env=on_path(PLUGINS, installed))
        assert res.code == 0, res.err
        scores = json.loads(res.out)
        assert list(scores) == ["chrf", "exact"]
        assert scores["exact"] == {"score": 50.0, "signature": "exact|v1"}



def test_eval_help_lists_the_metric_registry(installed):
    """The --metric help is built from the registry: an installed metric shows up in it."""
    plain = lrtk("eval", "--help", env=on_path(PLUGINS))
    res = lrtk("eval", "--help", env=on_path(PLUGINS, installed))
    assert plain.code == res.code == 0
    assert "bertscore_f1 (rouge" in " ".join(plain.out.split())
    assert "bertscore_f1, exact (rouge" in " ".join(res.out.split())
