"""`lrtk export ADAPTER_DIR --format gguf --lora --base MODEL_DIR`: a LoRA adapter from
`lrtk tune --method lora` as a GGUF LoRA adapter, which llama.cpp adds to the base model's
GGUF at load time (`llama-cli -m base.gguf --lora adapter.gguf`).

The adapters library stores, per adapted linear layer,
`model.layers.N.<module>.loras.<name>.lora_A` (r x in) and `lora_B` (out x r) and computes
W + (alpha / r) * B @ A; llama.cpp computes the same from `<tensor>.lora_a` / `.lora_b` and
`adapter.lora.alpha` (it divides by the rank itself).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from lrtk.errors import DataError, param
from lrtk.export.gguf_model import hf_to_gguf_name, llama_arch, permuted, write_gguf
from lrtk.export.gguf_quant import require_gguf
from lrtk.export.source import from_hf
from lrtk.io.checkpoint import require_dir

LORA_KEY = re.compile(r"(model\.layers\.\d+\.(?:self_attn|mlp)\.\w+)\.loras\.[^.]+\.lora_([AB])")


def _adapter_config(d: Path) -> dict:
    path = d / "adapter_config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))["config"]
    except (ValueError, UnicodeDecodeError, KeyError, TypeError) as e:
        raise DataError(f"not an adapters-library adapter config: {e}", path=str(path)) from None
    if config.get("architecture") != "lora":
        raise DataError(f"a {config.get('architecture') or 'bottleneck'} adapter, not LoRA",
                        path=str(path), hint="only LoRA adapters (tune's method lora) "
                        "run in llama.cpp; bottleneck adapters are extra modules it lacks")
    if config.get("use_gating") or config.get("use_dora") or \
            config.get("composition_mode", "add") != "add":
        raise DataError("gated, DoRA or scaling-composition LoRA has no GGUF form",
                        path=str(path), hint="llama.cpp applies plain additive LoRA")
    return config


def _pairs(d: Path) -> dict[str, dict[str, np.ndarray]]:
    """Adapted HF weight name -> {"A": r x in, "B": out x r}."""
    from safetensors.numpy import load_file

    path = d / "adapter.safetensors"
    if not path.is_file():
        raise DataError("no adapter.safetensors in the adapter directory", path=str(d))
    try:
        tensors = load_file(str(path))
    except Exception as e:  # safetensors reports a corrupt header as a generic error
        raise DataError(f"cannot read adapter weights: {e}", path=str(path)) from None
    pairs: dict[str, dict[str, np.ndarray]] = {}
    for key, value in tensors.items():
        m = LORA_KEY.fullmatch(key)
        if m is None:
            raise DataError(f"tensor {key} is not a LoRA matrix of a decoder layer",
                            path=str(path))
        pairs.setdefault(m[1] + ".weight", {})[m[2]] = value.astype(np.float32)
    if not pairs or any(len(p) != 2 for p in pairs.values()):
        raise DataError("the adapter needs a lora_A and a lora_B for every adapted layer",
                        path=str(path))
    return pairs


def export_lora(adapter_dir: str | os.PathLike, base_dir: str | os.PathLike,
                out: str | os.PathLike) -> dict:
    """Write the adapter as GGUF (f32 matrices: they are small) atomically."""
    gguf = require_gguf()
    d = Path(adapter_dir)
    require_dir(d, "ADAPTER_DIR", "adapter_config.json", "adapter (lrtk tune OUT/adapter)")
    config = _adapter_config(d)
    base = from_hf(base_dir)  # header and architecture only; no base weights are read
    arch = llama_arch(base, str(base_dir))
    c = base.config
    writer = gguf.GGUFWriter(None, arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(config["alpha"]))
    pairs = _pairs(d)
    for name, pair in sorted(pairs.items()):
        a, b = pair["A"], pair["B"]
        if b.shape[1] != a.shape[0]:
            raise DataError(f"{name}: lora_A and lora_B ranks differ", path=str(d))
        # B's rows are the layer's outputs, so q/k get the base model's row order; A reads
        # the (unpermuted) input.
        b = permuted(arch, c, name, b)
        target = hf_to_gguf_name(gguf, arch, c["n_layers"], name)
        writer.add_tensor(target + ".lora_a", np.ascontiguousarray(a))
        writer.add_tensor(target + ".lora_b", np.ascontiguousarray(b))
    write_gguf(writer, out)
    return {"output": str(out), "bytes": os.path.getsize(out), "tensors": 2 * len(pairs),
            "source": str(d)}
