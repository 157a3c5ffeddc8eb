"""Where an export reads its model from: a Hugging Face checkpoint directory, or random weights
for a named shape (benchmarks). Both give the same ModelSource, so one writer serves both."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from lrtk.errors import DataError, UsageError
from lrtk.io.checkpoint import require_dir
from lrtk.io.lines import require_readable

ARCHITECTURES = {"LlamaForCausalLM": "llama", "MistralForCausalLM": "mistral",
                 "Qwen2ForCausalLM": "qwen2"}
# RoPE variants whose frequencies do not depend on the sequence length, so the exporter can
# compute them once with transformers' own code and store them in the file.
ROPE_TYPES = ("default", "linear", "llama3", "yarn")

# Shapes for `lrtk export --random-config NAME`; TinyLlama-1.1B is the benchmark model.
PRESETS = {
    "tinyllama": {"architectures": ["LlamaForCausalLM"], "model_type": "llama",
                  "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 22,
                  "num_attention_heads": 32, "num_key_value_heads": 4, "vocab_size": 32000,
                  "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                  "tie_word_embeddings": False, "bos_token_id": 1, "eos_token_id": 2,
                  "hidden_act": "silu"},
}


@dataclass
class ModelSource:
    """A decoder's header fields, per-layer settings, weight names and a way to read them."""

    config: dict
    inv_freq: np.ndarray
    layer_window: list[int]
    names: list[str]
    get: Callable[[str], np.ndarray]
    tied: bool
    blobs: dict[str, bytes] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)


def layer_names(n_layers: int, bias: dict[str, bool], tied: bool) -> list[str]:
    """HF weight names of a Llama-family decoder in file order."""
    names = ["model.embed_tokens.weight"]
    for i in range(n_layers):
        p = f"model.layers.{i}."
        names.append(p + "input_layernorm.weight")
        for proj in ("q_proj", "k_proj", "v_proj", "o_proj"):
            names.append(p + f"self_attn.{proj}.weight")
            if bias[proj]:
                names.append(p + f"self_attn.{proj}.bias")
        names.append(p + "post_attention_layernorm.weight")
        for proj in ("gate_proj", "up_proj", "down_proj"):
            names.append(p + f"mlp.{proj}.weight")
            if bias["mlp"]:
                names.append(p + f"mlp.{proj}.bias")
    names.append("model.norm.weight")
    if not tied:
        names.append("lm_head.weight")
    return names


def _header_config(cfg: dict, path: str) -> dict:
    arch = (cfg.get("architectures") or ["?"])[0]
    if arch not in ARCHITECTURES:
        raise DataError(f"unsupported architecture {arch}", path=path,
                        hint="lrtk export reads " + ", ".join(ARCHITECTURES))
    if cfg.get("hidden_act", "silu") != "silu":
        raise DataError(f"unsupported activation {cfg['hidden_act']} (SwiGLU needs silu)", path=path)
    heads = cfg["num_attention_heads"]

    def token_id(key: str) -> int:
        v = cfg.get(key)
        v = v[0] if isinstance(v, list) and v else v
        return -1 if v is None else int(v)

    return {"dim": cfg["hidden_size"], "hidden_dim": cfg["intermediate_size"],
            "n_layers": cfg["num_hidden_layers"], "n_heads": heads,
            "n_kv_heads": cfg.get("num_key_value_heads") or heads,
            "head_dim": _head_dim(cfg),
            "vocab_size": cfg["vocab_size"], "max_seq_len": cfg.get("max_position_embeddings", 2048),
            "bos_id": token_id("bos_token_id"), "eos_id": token_id("eos_token_id"),
            "norm_eps": float(cfg.get("rms_norm_eps", 1e-6)), "rope_attn_scale": 1.0}


def _rope(cfg: dict, path: str) -> tuple[np.ndarray, float]:
    """RoPE inverse frequencies and attention scaling, computed by transformers itself, but
    for unscaled RoPE (most models), whose one line is computed here with the same torch ops:
    importing transformers is 3 of the 4 seconds a small export takes."""
    scaling = cfg.get("rope_scaling") or {}
    rope_type = scaling.get("rope_type", scaling.get("type", "default"))
    if rope_type not in ROPE_TYPES:
        raise DataError(f"unsupported rope_scaling type {rope_type}", path=path,
                        hint="supported: " + ", ".join(ROPE_TYPES))
    if rope_type == "default":
        return _default_rope(cfg), 1.0
    from transformers import AutoConfig
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    hf_config = AutoConfig.for_model(cfg.get("model_type", "llama"),
                                     **{k: v for k, v in cfg.items() if k != "model_type"})
    inv_freq, attn_scale = ROPE_INIT_FUNCTIONS[rope_type](hf_config, "cpu")
    return inv_freq.float().numpy(), float(attn_scale)


def _head_dim(cfg: dict) -> int:
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def _default_rope(cfg: dict) -> np.ndarray:
    """transformers' "default" RoPE: theta ** (-2i / d) over the rotated part of a head, in
    float32 as torch computes it (every supported architecture defaults theta to 10000)."""
    import torch

    dim = int(_head_dim(cfg) * cfg.get("partial_rotary_factor", 1.0))
    exponents = torch.arange(0, dim, 2, dtype=torch.int64).to(dtype=torch.float) / dim
    return (1.0 / (cfg.get("rope_theta", 10000.0) ** exponents)).numpy()


def _layer_windows(cfg: dict) -> list[int]:
    n = cfg["num_hidden_layers"]
    window = cfg.get("sliding_window") or 0
    if cfg.get("model_type") == "mistral":
        return [window] * n
    if cfg.get("model_type") == "qwen2" and cfg.get("use_sliding_window"):
        from transformers import Qwen2Config

        types = Qwen2Config(**cfg).layer_types
        return [window if t == "sliding_attention" else 0 for t in types]
    return [0] * n


def _bias(cfg: dict) -> dict[str, bool]:
    qkv = cfg.get("model_type") == "qwen2" or bool(cfg.get("attention_bias"))
    return {"q_proj": qkv, "k_proj": qkv, "v_proj": qkv,
            "o_proj": bool(cfg.get("attention_bias")), "mlp": bool(cfg.get("mlp_bias"))}


def _open_weights(d: Path) -> Callable[[str], np.ndarray | None]:
    """A reader name -> float32 array (None if absent) over safetensors or pytorch_model.bin."""
    import torch

    index = d / "model.safetensors.index.json"
    if index.exists() or (d / "model.safetensors").exists():
        from safetensors import safe_open

        files = (sorted({d / f for f in json.loads(index.read_text())["weight_map"].values()})
                 if index.exists() else [d / "model.safetensors"])
        require_readable(*files)
        try:
            handles = [safe_open(str(f), framework="pt") for f in files]
        except Exception as e:  # safetensors reports a corrupt header as a generic error
            raise DataError(f"cannot read weights: {e}", path=str(d)) from None
        where = {k: h for h in handles for k in h.keys()}

        def get(name: str):
            return where[name].get_tensor(name).float().numpy() if name in where else None
        return get
    if (d / "pytorch_model.bin").exists():
        state = torch.load(d / "pytorch_model.bin", map_location="cpu", weights_only=True)
        return lambda name: state[name].float().numpy() if name in state else None
    raise DataError("no model.safetensors or pytorch_model.bin found", path=str(d))


def from_hf(directory: str | Path) -> ModelSource:
    d = Path(directory)
    require_dir(d, "MODEL_DIR")
    cfg_path = d / "config.json"
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise DataError(f"invalid JSON: {e}", path=str(cfg_path)) from None
    header = _header_config(cfg, str(cfg_path))
    blobs = _tokenizer_blobs(d, header["bos_id"])
    inv_freq, header["rope_attn_scale"] = _rope(cfg, str(cfg_path))
    tied = bool(cfg.get("tie_word_embeddings", False))  # the default of all three configs
    names = layer_names(header["n_layers"], _bias(cfg), tied)
    read = _open_weights(d)

    def get(name: str) -> np.ndarray:
        array = read(name)
        if array is None:
            raise DataError(f"weight {name} is missing from the checkpoint", path=str(d))
        return array

    return ModelSource(header, inv_freq, _layer_windows(cfg), names, get, tied, blobs,
                       _meta(cfg, str(d)))


def _meta(cfg: dict, source: str, **extra) -> dict:
    """Where the weights came from, and the RoPE settings a GGUF header spells out."""
    return {"source": source, "architecture": cfg["architectures"][0],
            "model_type": cfg.get("model_type"), "rope_theta": cfg.get("rope_theta", 10000.0),
            "rope_scaling": cfg.get("rope_scaling"), **extra}


def _tokenizer_blobs(d: Path, bos_id: int) -> dict[str, bytes]:
    """The tokenizer files the model file embeds, refused here if the runtime could not load
    them: run and ppl need one, and a model without it would fail only there."""
    from lrtk.runtime.tokenizer import FILES, Tokenizer

    blobs = {f: (d / f).read_bytes() for f in FILES if (d / f).is_file()}
    Tokenizer(blobs, bos_id, str(d), "copy the tokenizer the model was trained with into the "
              "checkpoint: lrtk train saves tokenizer.model and tokenizer.json next to the weights")
    return blobs


def random_source(preset: str, seed: int = 0) -> ModelSource:
    """Random weights for a preset name or an HF config.json path (benchmarks, no checkpoint)."""
    if preset in PRESETS:
        cfg = dict(PRESETS[preset])
    elif Path(preset).is_file():
        cfg = json.loads(Path(preset).read_text(encoding="utf-8"))
    else:
        raise UsageError(f"unknown random config {preset!r}",
                         hint="a preset (" + ", ".join(PRESETS) + ") or a config.json path")
    header = _header_config(cfg, preset)
    inv_freq, header["rope_attn_scale"] = _rope(cfg, preset)
    tied = bool(cfg.get("tie_word_embeddings", False))
    names = layer_names(header["n_layers"], _bias(cfg), tied)
    shapes = _shapes(header)

    def get(name: str) -> np.ndarray:
        # Seeded per tensor so any subset of names gives the same weights.
        rng = np.random.default_rng([seed, names.index(name)])
        shape = shapes(name)
        if len(shape) == 1:
            return np.ones(shape, np.float32) if name.endswith("norm.weight") else \
                rng.standard_normal(shape, np.float32) * 0.02
        return rng.standard_normal(shape, np.float32) * 0.02

    return ModelSource(header, inv_freq, _layer_windows(cfg), names, get, tied, {},
                       _meta(cfg, f"random:{preset}", seed=seed))


def _shapes(c: dict) -> Callable[[str], tuple[int, ...]]:
    q, kv = c["n_heads"] * c["head_dim"], c["n_kv_heads"] * c["head_dim"]
    out = {"q_proj": q, "k_proj": kv, "v_proj": kv, "o_proj": c["dim"],
           "gate_proj": c["hidden_dim"], "up_proj": c["hidden_dim"], "down_proj": c["dim"]}
    inp = {"o_proj": q, "down_proj": c["hidden_dim"]}

    def shape(name: str) -> tuple[int, ...]:
        if name in ("model.embed_tokens.weight", "lm_head.weight"):
            return (c["vocab_size"], c["dim"])
        proj = name.split(".")[-2]
        if name.endswith("norm.weight"):
            return (c["dim"],)
        if name.endswith(".bias"):
            return (out[proj],)
        return (out[proj], inp.get(proj, c["dim"]))
    return shape
