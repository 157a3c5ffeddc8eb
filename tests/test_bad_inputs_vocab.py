"""Bad inputs for what the option vocabulary and the open registries added: a user's filter,
aligner or metric that cannot be loaded, and retired option spellings given bad values. Each
case: one `lrtk: error:` line naming what is wrong, usage exit 2, no traceback, nothing on
stdout, and the folder (with its earlier good output) exactly as it was."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from badinput import REPO, assert_one_line_error, assert_unchanged, lrtk, snapshot
from conftest import shared_path

PLUGINS = Path(__file__).parent / "plugins"


def _world(tmp: Path) -> dict:
    """Real pairs and text, an earlier good output, a user's broken module and an installed
    distribution whose entry point leads nowhere."""
    ben = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.ben").read_text("utf-8")
    eng = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.eng").read_text("utf-8")
    pairs = list(zip(ben.splitlines()[:20], eng.splitlines()[:20]))
    (tmp / "pairs.jsonl").write_text("".join(
        json.dumps({"id": f"t{i}", "src": s, "tgt": t}, ensure_ascii=False) + "\n"
        for i, (s, t) in enumerate(pairs)), "utf-8")
    (tmp / "bn.txt").write_text("".join(s + "\n" for s, _ in pairs), "utf-8")
    (tmp / "en.txt").write_text("".join(t + "\n" for _, t in pairs), "utf-8")
    (tmp / "kept.jsonl").write_text('{"id": "earlier", "src": "a", "tgt": "b"}\n', "utf-8")
    (tmp / "report.json").write_text('{"earlier": true}\n', "utf-8")
    (tmp / "plan.d").mkdir()
    site = tmp / "site"
    site.mkdir()
    (site / "broken_plugin.py").write_text('raise RuntimeError("needs a GPU")\n')
    info = site / "ghost-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ghost\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[lrtk.filters]\nghost = no_such_module:Ghost\n")
    return {"PYTHONPATH": os.pathsep.join(map(str, (REPO, PLUGINS, site))),
            "PYTHONDONTWRITEBYTECODE": "1"}


def _filter_with(entry: str):
    def args(tmp: Path) -> list:
        (tmp / "chain.yaml").write_text(f"filters:\n  - duplicate\n  - {entry}\n", "utf-8")
        return ["filter", tmp / "pairs.jsonl", "--src-lang", "bn", "--tgt-lang", "en",
                "--config", tmp / "chain.yaml", "-o", tmp / "kept.jsonl",
                "--report", tmp / "report.json"]
    return args


def _eval_metric(tmp: Path) -> list:
    return ["eval", "--metric", "bleu,no_such_module:Metric", "--hyp", tmp / "en.txt",
            "--ref", tmp / "en.txt", "--report", tmp / "report.json"]


def _align_aligner(tmp: Path) -> list:
    return ["align", "--src-lang", "bn", "--tgt-lang", "en", "--src", tmp / "bn.txt",
            "--tgt", tmp / "en.txt", "--aligners", "length,lrtk_user_plugins:Nope",
            "-o", tmp / "kept.jsonl"]


CASES = {
    "filter-module-missing": (_filter_with("no_such_module:Filter"),
                              ["chain.yaml", "filters[2]", "no_such_module"]),
    "filter-class-missing": (_filter_with("lrtk_user_plugins:Nothing"),
                             ["chain.yaml", "filters[2]", "Nothing"]),
    "filter-not-a-filter": (_filter_with("lrtk_user_plugins:ExactMatch"),
                            ["chain.yaml", "not a Filter subclass"]),
    "filter-module-fails-on-import": (_filter_with("broken_plugin:Anything"),
                                      ["chain.yaml", "broken_plugin", "needs a GPU"]),
    "filter-entry-point-to-nothing": (_filter_with("ghost"),
                                      ["chain.yaml", "entry point 'ghost'", "no_such_module"]),
    "filter-plugin-unknown-option": (_filter_with("lrtk_user_plugins:MaxCharsFilter: "
                                                  "{max_words: 3}"),
                                     ["chain.yaml", "max_words", "max_chars"]),
    "filter-plugin-option-type": (_filter_with("lrtk_user_plugins:MaxCharsFilter: "
                                               "{max_chars: many}"),
                                  ["chain.yaml", "max_chars", "int"]),
    "eval-metric-module-missing": (_eval_metric, ["--metric", "no_such_module"]),
    "align-aligner-class-missing": (_align_aligner, ["--aligners", "Nope"]),
    "retired-json-names-a-folder": (lambda t: ["sample", "plan", "--corpus", f"bn={t / 'bn.txt'}",
                                               "--json", t / "plan.d"], ["plan.d"]),
    "retired-hf-missing-folder": (lambda t: ["ppl", "--hf", t / "missing", "--data",
                                             t / "en.txt"], ["missing"]),
    "retired-lang-unknown-code": (lambda t: ["taco", "build", "--pairs", t / "pairs.jsonl",
                                             "--lang", "xx", "-o", t / "kept.jsonl"], ["'xx'"]),
    "retired-eval-l-unknown-metric": (lambda t: ["eval", "--hyp", t / "en.txt", "--ref",
                                                 t / "en.txt", "-l", "en", "--metric", "nope",
                                                 "--report", t / "report.json"], ["'nope'"]),
    "retired-eval-lang-missing-model": (lambda t: ["eval", "--model", t / "missing", "--test",
                                                   t / "pairs.jsonl", "--lang", "en",
                                                   "--report", t / "report.json"], ["missing"]),
    "retired-generate-m-missing-model": (lambda t: ["generate", "-m", t / "missing", "--prompt",
                                                    "x", "-l", "bn", "-o", t / "kept.jsonl"],
                                         ["missing"]),
    "retired-generate-sample-with-beams": (lambda t: ["generate", "-m", t / "missing",
                                                      "--prompt", "x", "--sample", "--num-beams",
                                                      "2", "-o", t / "kept.jsonl"],
                                           ["--num-beams"]),
    "retired-tune-max-length-missing-model": (lambda t: ["tune", "--model", t / "missing",
                                                         "--train", t / "en.txt", "--max-length",
                                                         "64", "--schedule", "cosine", "-o",
                                                         t / "plan.d"], ["missing"]),
    "retired-tune-display-name-missing-model": (lambda t: ["tune", "--model", t / "missing",
                                                           "--train", t / "pairs.jsonl",
                                                           "--src-lang", "English", "-o",
                                                           t / "plan.d"], ["missing"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_one_line_and_nothing_changed(tmp_path, case):
    make_args, names = CASES[case]
    env = _world(tmp_path)
    args = make_args(tmp_path)
    before = snapshot(tmp_path)
    res = lrtk(*args, env=env)
    assert_one_line_error(res, *names, code=2)
    assert res.out == ""
    assert_unchanged(tmp_path, before)
