"""TaCo curriculum: YAML stages run in order, each continuing the previous stage's adapter,
on examples built by `lrtk taco build` from TICO-19 en-ne pairs, with a tiny Llama."""

from __future__ import annotations

import json

import pytest

from lrtk.errors import UsageError
from lrtk.tune.curriculum import load_curriculum
from lrtk.tune.methods import MethodSettings


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# --- the YAML --------------------------------------------------------------------------------

def test_defaults_are_tacos_lora(tmp_path):
    (tmp_path / "d.jsonl").write_text("")
    c = load_curriculum(write(tmp_path / "c.yaml", "stages:\n  - {data: d.jsonl, steps: 3}\n"))
    assert c.stages[0].adapter == MethodSettings("lora", lora_r=32, lora_alpha=64,
                                                 lora_targets=("q", "k", "v"), lora_dropout=0.05)
    assert c.stages[0].data.sources == {"d": str(tmp_path / "d.jsonl")}


@pytest.mark.parametrize("yaml_text, message", [
    ("stages: []\n", "non-empty 'stages'"),
    ("stages:\n  - {name: a, data: d.jsonl}\n", "stage 1 (a): give exactly one of 'steps'"),
    ("stages:\n  - {name: a, data: d.jsonl, steps: 1, lr_rate: 1}\n", "unknown key(s) lr_rate"),
    ("adapter: {lora_r: 8}\nstages:\n  - {data: d.jsonl, steps: 1}\n", "adapter must be a mapping"),
    ("adapter: {targets: [q, k, v, o]}\nstages:\n  - {data: d.jsonl, steps: 1}\n",
     "LoRA target 'o'"),
    ("stages:\n  - {data: d.jsonl, steps: 1}\n  - {name: b, data: d.jsonl, steps: 1, "
     "adapter: {r: 8}}\n", "stage 2 (b): changes the adapter settings"),
    ("stages:\n  - {data: {schedule: temperature}, steps: 1}\n", "'sources'"),
    ("stages: [\n", "not valid YAML"),
    ("stages:\n  - {data: d.jsonl, steps: 2.5}\n", "steps must be a positive integer, got 2.5"),
    ("stages:\n  - {data: d.jsonl, epochs: 1, lr: fast}\n", "lr must be a positive number"),
    ("stages:\n  - {data: [a], steps: 1}\n", "data must be a file or a mapping"),
    ("adapter: {dropout: 1.5}\nstages:\n  - {data: d.jsonl, steps: 1}\n",
     "adapter: lora_dropout must be in [0, 1)"),  # the parameter; the CLI writes its flag
])
def test_bad_curricula_are_one_usage_error(tmp_path, yaml_text, message):
    path = write(tmp_path / "c.yaml", yaml_text)
    with pytest.raises(UsageError) as e:
        load_curriculum(path)
    assert message in e.value.format() and e.value.format().startswith(str(path))


def test_new_adapter_may_change_settings(tmp_path):
    c = load_curriculum(write(tmp_path / "c.yaml", (
        "stages:\n  - {data: d.jsonl, steps: 1}\n"
        "  - {data: d.jsonl, steps: 1, continue: false, adapter: {method: seq_bn}}\n")))
    assert c.stages[1].adapter.method == "seq_bn" and not c.stages[1].continues


# --- end to end --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def taco_data(tmp_path_factory):
    """Examples from TICO-19 en-ne: translation pairs (lines 0-59, both directions) and TaCo
    chains from the opening dialogue (line i asks, line i+1 answers), via `lrtk taco build`."""
    from conftest import shared_path
    from typer.testing import CliRunner

    from lrtk.cli.main import app

    root = tmp_path_factory.mktemp("curriculum")
    d = shared_path("tico19", "en-ne")
    en = (d / "tico19-test.en").read_text(encoding="utf-8").splitlines()
    ne = (d / "tico19-test.ne").read_text(encoding="utf-8").splitlines()
    write(root / "pairs.tsv", "".join(f"{a}\t{b}\n" for a, b in zip(en[:60], ne[:60])))
    write(root / "inst.jsonl", "".join(json.dumps(
        {"id": i, "instruction": en[i], "response": en[i + 1], "instruction_ne": ne[i],
         "response_ne": ne[i + 1]}, ensure_ascii=False) + "\n" for i in range(30)))
    runner = CliRunner()
    for args in (["--pairs", str(root / "pairs.tsv"), "--pairs-format", "tsv",
                  "-o", str(root / "translate.jsonl")],
                 ["-i", str(root / "inst.jsonl"), "-o", str(root / "taco.jsonl")]):
        result = runner.invoke(app, ["taco", "build", "--tgt-lang", "ne", *args])
        assert result.exit_code == 0, result.output
    # a fixed held-out set, so consecutive stages' losses are comparable
    held = [json.loads(line) for line in (root / "taco.jsonl").read_text().splitlines()[-6:]]
    write(root / "heldout.jsonl", "".join(json.dumps(h, ensure_ascii=False) + "\n" for h in held))
    write(root / "text.txt", "\n".join(en[:300] + ne[:300]) + "\n")
    return root


@pytest.fixture(scope="module")
def tiny_llama(taco_data):
    pytest.importorskip("adapters")
    from tiny_models import save_tiny_model, train_spm

    from lrtk.train.tokenizer import hf_tokenizer

    spm_model = train_spm(taco_data / "text.txt", taco_data / "spm")
    return save_tiny_model("llama", hf_tokenizer(spm_model), taco_data / "model")


CURRICULUM = """\
seed: 5
stages:
  - name: translation
    data:
      sources: {translate: translate.jsonl, taco: taco.jsonl}
      schedule: temperature
      tau: 1
      budget: 40
    steps: 6
    lr: 5.0e-3
    batch_size: 4
    max_length: 128
    eval: heldout.jsonl
  - name: taco
    data:
      sources: {translate: translate.jsonl, taco: taco.jsonl}
      schedule: cooldown
      tau: 1
      tau_end: 100
      switch: 0.5
      budget: 24
    epochs: 1
    lr: 5.0e-3
    batch_size: 4
    max_length: 128
    eval: heldout.jsonl
"""


def test_curriculum_runs_stages_in_order_continuing_the_adapter(taco_data, tiny_llama, tmp_path,
                                                               run_cli):
    from lrtk.tune.curriculum import run_curriculum

    path = write(taco_data / "curriculum.yaml", CURRICULUM)
    out = tmp_path / "out"
    result = run_curriculum(path, model=str(tiny_llama), output=out, merge=True)
    summary = json.loads((out / "curriculum.json").read_text())
    first, second = summary["stages"]
    assert (first["stage"], second["stage"]) == ("01-translation", "02-taco")
    # stage 2 starts from exactly the adapter stage 1 ended with (same held-out set)
    assert second["continued_from"] == first["adapter_dir"]
    assert second["initial_eval_loss"] == pytest.approx(first["final_eval_loss"], abs=1e-5)
    assert first["final_eval_loss"] < first["initial_eval_loss"]
    assert second["steps"] == 6  # 1 epoch of 24 drawn examples, batch 4
    # the product: OUT/adapter (= the last stage's) and OUT/merged, as after one lrtk tune
    assert result.adapter_dir == out / "adapter" and result.merged_dir == out / "merged"
    config = json.loads((out / "adapter" / "adapter_config.json").read_text())["config"]
    assert (config["r"], config["alpha"], config["dropout"]) == (32, 64, 0.05)
    assert config["attn_matrices"] == ["q", "k", "v"]
    assert (out / "adapter" / "adapter_config.json").read_bytes() == (
        out / "02-taco" / "adapter" / "adapter_config.json").read_bytes()
    # the mixture follows the lrtk sample plan: stage 2 goes from proportional (tau 1: 4/5
    # translation) to nearly uniform (tau 100), so its second half has more TaCo examples
    drawn = [json.loads(line)["source"] for line in
             (out / "02-taco.train.jsonl").read_text().splitlines()]
    assert len(drawn) == 24 and drawn[12:].count("taco") > drawn[:12].count("taco")
    # the product is usable by lrtk generate --taco (adapter) and lrtk eval --model (merged)
    code, stdout, err = run_cli("generate", "--prompt", "### Instruction:\nनमस्ते\n\n### Response:\n",
                                "--model", str(tiny_llama), "--adapter", str(result.adapter_dir),
                                "--taco", "--tgt-lang", "ne", "--max-new-tokens", "5")
    assert code == 0, err
    assert {"output", "chain", "chain_status"} <= set(json.loads(stdout))
    pairs = [json.loads(line) for line in (taco_data / "translate.jsonl").read_text().splitlines()]
    test = write(tmp_path / "test.jsonl", "".join(json.dumps(
        {"src": p["prompt"].split("\n")[2], "tgt": p["target"]}, ensure_ascii=False) + "\n"
        for p in pairs[:4:2]))  # the en->ne examples
    code, stdout, err = run_cli("eval", "--model", str(result.merged_dir), "--test", str(test),
                                "--tgt-lang", "ne", "--metric", "chrf", "--max-new-tokens", "4",
                                "--json")
    assert code == 0, err
    assert 0 <= json.loads(stdout)["chrf"]["score"] <= 100


def test_lrtk_tune_keeps_the_files_seed_unless_seed_is_given(taco_data, tiny_llama, tmp_path,
                                                            run_cli):
    """--seed defaults to 0 like every command's, yet the curriculum's `seed: 5` is not
    overridden by that default: only a --seed on the command line wins."""
    one_stage = CURRICULUM[:CURRICULUM.index("  - name: taco")]
    path = write(taco_data / "one-stage.yaml", one_stage)
    seeds = {}
    for name, extra in (("file", []), ("zero", ["--seed", "0"])):
        out = tmp_path / name
        code, _, err = run_cli("tune", "--model", str(tiny_llama), "--curriculum", str(path),
                               *extra, "-o", str(out))
        assert code == 0, err
        (stage,) = json.loads((out / "curriculum.json").read_text())["stages"]
        seeds[name] = stage["seed"]
    assert seeds == {"file": 5, "zero": 0}


def test_lrtk_tune_curriculum_reports_yaml_errors(tmp_path, run_cli):
    path = write(tmp_path / "c.yaml", "stages:\n  - {name: a, data: d.jsonl}\n")
    code, _, err = run_cli("tune", "--model", str(tmp_path), "-o", str(tmp_path / "o"),
                           "--curriculum", str(path))
    assert code == 2
    assert err.strip() == (f"lrtk: error: {path}: stage 1 (a): give exactly one of 'steps' "
                           "and 'epochs'")


def test_mixture_draw_is_seeded_and_needs_ids(taco_data, tmp_path):
    from lrtk.errors import DataError
    from lrtk.tune.curriculum import Mixture, draw_mixture

    sources = {"translate": str(taco_data / "translate.jsonl"),
               "taco": str(taco_data / "taco.jsonl")}
    mixture = Mixture(sources, "temperature", {"tau": 2.0}, 50)
    a, b, c = (draw_mixture(mixture, seed) for seed in (1, 1, 2))
    assert a == b and a != c and len(a) == 50
    assert all(set(ex) == {"id", "source", "prompt", "target"} for ex in a)
    no_ids = write(tmp_path / "x.jsonl", '{"prompt": "p", "target": "t"}\n')
    with pytest.raises(DataError, match="missing field.*'id'"):
        draw_mixture(Mixture({"x": str(no_ids)}), 0)
