"""Bad inputs of the training side (issue 15), run as a user runs them:

1. a broken Hugging Face model folder, for every command that loads one (`generate --model`,
   `eval --model`, `ppl MODEL_DIR`, `tune --model`, `train --model`);
2. `train --resume` on a damaged checkpoint or with options other than the run's;
3. numbers out of range (nan, inf, negatives) for train, tune, generate, eval and a TaCo
   curriculum.

Each case: a non-zero exit, one `lrtk: error:` line naming the file or option at fault, no
traceback, and the folders involved exactly as they were.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from badinput import (assert_one_line_error, assert_unchanged, assert_usage_error,  # noqa: F401
                      kit, lrtk, snapshot)
from test_export import spm_model  # noqa: F401

pytest.importorskip("torch")


# --- 1. broken Hugging Face folders ---------------------------------------------------------

def _truncate(file: Path, keep: int) -> None:
    file.write_bytes(file.read_bytes()[:keep])


def _edit_config(folder: Path, **changes) -> None:
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, **changes}))


def _drop_tensor(folder: Path, name: str) -> None:
    from safetensors.torch import load_file, save_file

    weights = load_file(folder / "model.safetensors")
    del weights[name]
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})


def _drop_tokenizer(folder: Path) -> None:
    for name in ("tokenizer.json", "tokenizer.model", "tokenizer_config.json",
                 "special_tokens_map.json"):
        (folder / name).unlink()


# name: (how the folder is broken, what the error line names besides the folder, exit code)
BREAKS = {
    "truncated-safetensors": (lambda d: _truncate(d / "model.safetensors", 200_000),
                              "model.safetensors: truncated or corrupt (header says", 1),
    "garbled-config": (lambda d: (d / "config.json").write_text('{"model_type": "llama",\n'),
                       "config.json:2: not valid JSON", 1),
    "missing-config": (lambda d: (d / "config.json").unlink(), "no config.json", 2),
    "missing-tokenizer": (_drop_tokenizer, "no tokenizer", 1),
}
# Breaks that reach the same loader the same way from every command: one command each.
MORE_BREAKS = {
    "garbage-safetensors-header": (lambda d: (d / "model.safetensors").write_bytes(
        b"\xff" * 8 + (d / "model.safetensors").read_bytes()[8:]),
        "model.safetensors: truncated or corrupt", 1),
    "no-weights": (lambda d: (d / "model.safetensors").unlink(), "no model weights", 1),
    "config-of-another-size": (lambda d: _edit_config(d, hidden_size=32), "size mismatch", 1),
    "weights-lack-a-tensor": (lambda d: _drop_tensor(d, "model.norm.weight"),
                              "model.norm.weight", 1),
    "unknown-model-type": (lambda d: _edit_config(d, model_type="llama9"),
                           "config.json: model type 'llama9'", 1),
    "config-not-an-object": (lambda d: (d / "config.json").write_text("[]"),
                             "config.json: expected a JSON object", 1),
    "truncated-tokenizer-json": (lambda d: _truncate(d / "tokenizer.json", 5000),
                                 "tokenizer.json:", 1),
    "truncated-sentencepiece": (lambda d: _truncate(d / "tokenizer.model", 5000),
                                "tokenizer.model: not a sentencepiece model", 1),
}


def _loading_command(command: str, kit, model: Path, out: Path) -> list:
    return {
        "generate": ["generate", "--prompt", "Hello", "--model", model],
        "eval": ["eval", "--model", model, "--test", kit.pairs, "--src-lang", "bn",
                 "--tgt-lang", "en", "--max-new-tokens", "2"],
        "ppl": ["ppl", model, "--data", kit.text_en],
        "tune": ["tune", "--model", model, "--train", kit.text_en, "--steps", "1", "-o", out],
        "train": ["train", "--model", model, "--corpus", f"en={kit.text_en}", "--steps",
                  "1", "--batch-size", "2", "-o", out],
    }[command]


CASES = [(b, c) for b in BREAKS for c in ("generate", "eval", "ppl", "tune", "train")] + \
    [(b, "generate") for b in MORE_BREAKS]


@pytest.mark.parametrize("broken, command", CASES, ids=[f"{c}-{b}" for b, c in CASES])
def test_broken_model_folder_is_one_line(kit, tmp_path, broken, command):
    break_folder, named, code = {**BREAKS, **MORE_BREAKS}[broken]
    (model,) = kit.work(tmp_path, "hf")
    break_folder(model)
    before = snapshot(tmp_path)
    out = tmp_path / "out"
    res = lrtk(*_loading_command(command, kit, model, out))
    line = assert_one_line_error(res, model, code=code)
    assert named in line
    assert res.out == ""
    assert_unchanged(tmp_path, before)
    assert not out.exists() and not Path(f"{out}.ckpt").exists()


# --- 2. train --resume ----------------------------------------------------------------------

SHAPE = {"--layers": "1", "--hidden": "16", "--heads": "2", "--ctx": "16"}
RUN = {**SHAPE, "--batch-size": "2", "--steps": "4", "--checkpoint-every": "2", "--lr": "0.001"}


def _train_args(kit, out: Path, changed: dict | None = None) -> list:
    options = {**RUN, **(changed or {})}
    return ["train", "--tokenizer", kit.spm, "--corpus", f"en={kit.text_en}", "-o", out,
            *[x for item in options.items() for x in item]]


@pytest.fixture(scope="module")
def finished_run(kit, tmp_path_factory) -> Path:
    """A 4-step run with checkpoints at steps 2 and 4: ROOT/lm and ROOT/lm.ckpt."""
    root = tmp_path_factory.mktemp("run")
    res = lrtk(*_train_args(kit, root / "lm"))
    assert res.code == 0, res.err
    assert sorted(p.name for p in (root / "lm.ckpt").iterdir()) == \
        ["metrics.jsonl", "step-00000002", "step-00000004"]
    return root


def _step4(d: Path) -> Path:
    return d / "lm.ckpt" / "step-00000004"


def _progress(d: Path, change) -> None:
    file = _step4(d) / "progress.json"
    progress = json.loads(file.read_text())
    change(progress)
    file.write_text(json.dumps(progress))


# name: (how the checkpoint is broken, options changed on resume, what the line names, code)
RESUMES = {
    "other-hidden": (None, {"--hidden": "32"}, ["lm.ckpt", "started with --hidden 16",
                                               "not --hidden 32", "start a new -o"], 2),
    "other-lr": (None, {"--lr": "0.01"}, ["--lr 0.001", "--lr 0.01"], 2),
    "truncated-weights": (lambda d: _truncate(_step4(d) / "trainable.safetensors", 1000), {},
                          ["step-00000004/trainable.safetensors: truncated or corrupt",
                           "resume from step-00000002"], 1),
    "truncated-state": (lambda d: _truncate(_step4(d) / "state.pt", 1000), {},
                        ["step-00000004/state.pt: truncated or corrupt"], 1),
    "missing-state": (lambda d: (_step4(d) / "state.pt").unlink(), {},
                      ["step-00000004/state.pt: missing from the checkpoint"], 1),
    "garbled-progress": (lambda d: _truncate(_step4(d) / "progress.json", 100), {},
                         ["step-00000004/progress.json:1: not valid JSON"], 1),
    "progress-without-step": (lambda d: _progress(d, lambda p: p.pop("step")), {},
                              ["step-00000004/progress.json: not a checkpoint's progress"], 1),
    "progress-of-another-stream": (
        lambda d: _progress(d, lambda p: p["data"].update(cursors={"bn": 1})), {},
        ["step-00000004/progress.json: truncated or corrupt (missing key 'en')"], 1),
    "no-checkpoint": (lambda d: [shutil.rmtree(p) for p in (d / "lm.ckpt").glob("step-*")], {},
                      ["lm.ckpt: --resume: no checkpoint to resume from"], 2),
    # A checkpoint that does not record its run's options (written before they were) still
    # refuses another shape, by the weights' shapes.
    "unrecorded-run-other-hidden": (lambda d: _progress(d, lambda p: p.pop("run")),
                                    {"--hidden": "32"},
                                    ["trainable.safetensors: model.embed_tokens.weight is "
                                     "(320, 16) in the checkpoint but (320, 32)"], 2),
}


def _copy_run(finished_run: Path, tmp_path: Path) -> Path:
    for name in ("lm", "lm.ckpt"):
        shutil.copytree(finished_run / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("case", sorted(RESUMES))
def test_bad_resume_is_one_line(kit, finished_run, tmp_path, case):
    damage, changed, named, code = RESUMES[case]
    run = _copy_run(finished_run, tmp_path)
    if damage:
        damage(run)
    before = snapshot(run)
    res = lrtk(*_train_args(kit, run / "lm", changed), "--resume")
    assert_one_line_error(res, *named, code=code)
    assert_unchanged(run, before)


def test_a_refused_resume_can_be_resumed_right(kit, finished_run, tmp_path):
    """A resume refused for another --lr destroyed nothing: with the run's options it resumes
    at step 4 and ends with the metrics the run had."""
    run = _copy_run(finished_run, tmp_path)
    shutil.rmtree(run / "lm")
    metrics = (run / "lm.ckpt" / "metrics.jsonl").read_text()
    assert_one_line_error(lrtk(*_train_args(kit, run / "lm", {"--lr": "0.01"}), "--resume"),
                          "--lr")
    res = lrtk(*_train_args(kit, run / "lm"), "--resume")
    assert res.code == 0, res.err
    assert "resumed from" in res.err and "at step 4" in res.err
    assert (run / "lm" / "metrics.jsonl").read_text() == metrics


def _flag_keys(progress: dict) -> None:
    """The run as checkpoints wrote it before it was keyed by parameter names."""
    old = {"tie_embeddings": "--model-config tie_embeddings",
           "mixture": "the mixture (--corpus or --plan)"}
    progress["run"] = {old.get(k, "--" + k.replace("_", "-")): v
                       for k, v in progress["run"].items()}


def test_a_checkpoint_keyed_by_flags_still_resumes(kit, finished_run, tmp_path):
    """An older checkpoint (its run keyed `--lr`, not `lr`) resumes with the same options and
    still refuses other ones, naming the flag."""
    run = _copy_run(finished_run, tmp_path)
    shutil.rmtree(run / "lm")
    _progress(run, _flag_keys)
    assert_one_line_error(lrtk(*_train_args(kit, run / "lm", {"--lr": "0.01"}), "--resume"),
                          "--lr 0.001", "--lr 0.01")
    res = lrtk(*_train_args(kit, run / "lm"), "--resume")
    assert res.code == 0, res.err
    assert "at step 4" in res.err


# --- 3. numbers out of range ----------------------------------------------------------------

def _number_command(command: str, kit, tmp_path: Path) -> list:
    out = tmp_path / "out"
    return {
        "train": ["train", "--tokenizer", kit.spm, "--corpus", f"en={kit.text_en}", "-o", out,
                  *[x for item in RUN.items() for x in item]],
        "tune": ["tune", "--model", kit.hf, "--train", kit.text_en, "--steps", "2", "-o", out],
        "generate": ["generate", "--prompt", "Hello", "--model", kit.hf, "-o", out],
        "eval": ["eval", "--model", kit.hf, "--test", kit.pairs, "--tgt-lang", "en",
                 "--hyp-out", out],
    }[command]


# (command, option, value, what the line says); a later option wins over RUN's.
NUMBERS = [
    ("train", "--lr", "nan", "--lr must be a finite number, got nan"),
    ("train", "--lr", "inf", "--lr must be a finite number, got inf"),
    ("train", "--lr", "-0.001", "--lr must be a positive number"),
    ("train", "--steps", "0", "--steps must be a positive integer, got 0"),
    ("train", "--weight-decay", "-0.1", "--weight-decay must be a non-negative number"),
    ("train", "--decay-fraction", "1.5", "--decay-fraction must be in (0, 1]"),
    ("train", "--warmup-steps", "-1", "--warmup-steps must be a non-negative integer"),
    ("train", "--tau-end", "nan", "--tau-end must be a finite number"),
    ("train", "--switch", "1", "--switch must be in (0, 1)"),
    ("train", "--eval-every", "-1", "--eval-every must be a non-negative integer"),
    ("train", "--seed", "-1", "--seed must be an integer in [0, 4294967295]"),
    ("train", "--kv-heads", "-2", "--kv-heads must be a positive integer"),
    ("tune", "--lr", "nan", "--lr must be a finite number, got nan"),
    ("tune", "--steps", "0", "--steps must be a positive integer"),
    ("tune", "--lora-dropout", "1", "--lora-dropout must be in [0, 1)"),
    ("tune", "--lora-r", "0", "--lora-r must be a positive integer"),
    ("tune", "--seed", "-1", "--seed must be an integer in [0, 4294967295]"),
    ("generate", "--temperature", "-1", "--temperature must be a non-negative number"),
    ("generate", "--top-p", "1.5", "--top-p must be in (0, 1]"),
    ("generate", "--max-new-tokens", "0", "--max-new-tokens must be a positive integer"),
    ("generate", "--seed", "-1", "--seed must be an integer in [0, 4294967295]"),
    ("eval", "--batch-size", "0", "--batch-size must be a positive integer"),
]


@pytest.mark.parametrize("command, option, value, message", NUMBERS,
                         ids=[f"{c}{o}={v}" for c, o, v, _ in NUMBERS])
def test_number_out_of_range_is_one_line(kit, tmp_path, command, option, value, message):
    res = lrtk(*_number_command(command, kit, tmp_path), option, value)
    assert_one_line_error(res, message, code=2)
    assert "--budget" not in res.err  # `train --steps 0` used to blame the mixture's budget
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("option", ["--ctx", "--max-length"])
def test_tune_context_below_two_is_refused_before_anything(kit, tmp_path, option):
    """--ctx (and its retired --max-length) is range-checked by the option itself."""
    res = lrtk(*_number_command("tune", kit, tmp_path), option, "1")
    assert_usage_error(res, "--ctx")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key, value, message", [
    ("lr", ".nan", "stage 1 (mt): lr must be a finite number, got nan"),
    ("epochs", ".inf", "stage 1 (mt): epochs must be a finite number, got inf"),
    ("max_length", "1", "stage 1 (mt): max_length must be an integer >= 2"),
])
def test_curriculum_number_out_of_range_is_one_line(kit, tmp_path, key, value, message):
    (pairs,) = kit.work(tmp_path, "pairs")
    yaml = tmp_path / "taco.yaml"
    steps = "" if key == "epochs" else "steps: 1, "
    yaml.write_text(f"stages:\n  - {{name: mt, data: {pairs.name}, {steps}{key}: {value}}}\n")
    before = snapshot(tmp_path)
    res = lrtk("tune", "--model", kit.hf, "--curriculum", yaml, "-o", tmp_path / "out")
    assert_one_line_error(res, f"{yaml}: {message}", code=2)
    assert_unchanged(tmp_path, before)
    assert not (tmp_path / "out").exists()
