"""Bad input to `lrtk export --format gguf` (models and --lora adapters): one error line that
names the option or file at fault, exit 2 for usage and 1 for data, and the previous good
output untouched, with no temporary file left beside it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from badinput import (REPO, assert_one_line_error, assert_unchanged, kit,  # noqa: F401
                      lrtk, snapshot)
from test_export import spm_model  # noqa: F401  (fixture kit needs)

pytest.importorskip("gguf")
safetensors_numpy = pytest.importorskip("safetensors.numpy")

LORA_CONFIG = {"config": {"architecture": "lora", "alpha": 8, "r": 2, "composition_mode": "add",
                          "use_gating": False, "use_dora": False}, "model_type": "llama"}


def _adapter(root: Path, config: dict = LORA_CONFIG, weights: bool = True) -> Path:
    """An adapters-library LoRA directory for the kit's 64-wide Llama (q of layer 0, rank 2)."""
    import numpy as np

    d = root / "adapter"
    d.mkdir()
    (d / "adapter_config.json").write_text(json.dumps(config), encoding="utf-8")
    if weights:
        key = "model.layers.0.self_attn.q_proj.loras.a."
        safetensors_numpy.save_file({key + "lora_A": np.zeros((2, 64), np.float32),
                                     key + "lora_B": np.zeros((64, 2), np.float32)},
                                    str(d / "adapter.safetensors"))
    return d


def _no_tokenizer(hf: Path) -> Path:
    for name in ("tokenizer.model", "tokenizer.json", "tokenizer_config.json"):
        (hf / name).unlink(missing_ok=True)
    return hf


def _tie(hf: Path) -> Path:
    config = json.loads((hf / "config.json").read_text())
    config["tie_word_embeddings"] = True
    (hf / "config.json").write_text(json.dumps(config))
    return hf


def _garbage_spm(hf: Path) -> Path:
    (hf / "tokenizer.json").unlink()
    (hf / "tokenizer.model").write_bytes(b"\xff\x00 not a model")
    return hf


def _yarn(hf: Path) -> Path:
    config = json.loads((hf / "config.json").read_text())
    config["rope_scaling"] = {"rope_type": "yarn", "factor": 2.0,
                              "original_max_position_embeddings": 128}
    (hf / "config.json").write_text(json.dumps(config))
    return hf


def _bottleneck(root: Path) -> Path:
    return _adapter(root, {"config": {"architecture": "bottleneck"}}, weights=False)


def _truncated_weights(root: Path) -> Path:
    d = _adapter(root)
    data = (d / "adapter.safetensors").read_bytes()
    (d / "adapter.safetensors").write_bytes(data[:len(data) // 2])
    return d


# id -> (how to break a copy of the kit's HF dir (or build an adapter), extra args,
#        names the error line must carry, exit code)
MODEL_CASES = {
    "lrtk-only-option": (None, ["--group-size", "32"], ["--group-size"], 2),
    "gptq-for-gguf": (None, ["--method", "gptq"], ["--method"], 2),
    "unknown-gguf-bits": (None, ["--bits", "3"], ["--bits", "3"], 2),
    "q2_k-rows-too-short": (None, ["--bits", "2"], ["q_proj", "Q2_K", "256"], 2),
    "lora-without-base": (None, ["--lora"], ["--lora", "--base"], 2),
    "head-of-a-tied-model": (_tie, ["--head", "8"], ["--head", "--embed"], 2),
    "no-tokenizer": (_no_tokenizer, [], ["tokenizer", "{hf}"], 1),
    "garbage-tokenizer-model": (_garbage_spm, [], ["tokenizer.model", "{hf}"], 1),
    "yarn-rope": (_yarn, [], ["yarn", "{hf}"], 1),
}
ADAPTER_CASES = {
    "bottleneck-adapter": (_bottleneck, ["adapter_config.json", "LoRA"], 1),
    "truncated-adapter-weights": (_truncated_weights, ["adapter.safetensors"], 1),
    "not-an-adapter-dir": (lambda root: root, ["adapter_config.json"], 2),
}


def _previous_output(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    (out / "model.gguf").write_bytes(b"the previous good export")
    return out


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_bad_model_export(case, kit, tmp_path):  # noqa: F811
    breaker, args, names, code = MODEL_CASES[case]
    hf = tmp_path / "hf"
    shutil.copytree(kit.hf, hf)
    if breaker:
        breaker(hf)
    out = _previous_output(tmp_path)
    before = snapshot(out)
    res = lrtk("export", hf, "--format", "gguf", "-o", out / "model.gguf", *args)
    assert_one_line_error(res, *[n.format(hf=hf) for n in names], code=code)
    assert_unchanged(out, before)


@pytest.mark.parametrize("case", sorted(ADAPTER_CASES))
def test_bad_lora_export(case, kit, tmp_path):  # noqa: F811
    build, names, code = ADAPTER_CASES[case]
    (tmp_path / "a").mkdir()
    adapter = build(tmp_path / "a")
    out = _previous_output(tmp_path)
    before = snapshot(out)
    res = lrtk("export", adapter, "--format", "gguf", "--lora", "--base", kit.hf,
               "-o", out / "model.gguf")
    assert_one_line_error(res, *names, code=code)
    assert_unchanged(out, before)


def test_missing_gguf_package_is_one_line(kit, tmp_path):  # noqa: F811
    """Without the export extra: one line saying what to install."""
    shadow = tmp_path / "shadow" / "gguf"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named gguf')\n")
    out = _previous_output(tmp_path)
    before = snapshot(out)
    res = lrtk("export", kit.hf, "--format", "gguf", "-o", out / "model.gguf",
               env={"PYTHONPATH": os.pathsep.join([str(shadow.parent), str(REPO)])})
    assert_one_line_error(res, "gguf", "lrtk[export]", code=2)
    assert_unchanged(out, before)
