"""Writes a ModelSource as an lrtk model file: linear layers quantized and packed for the T-MAC
kernels (or kept dense for verification), embeddings and norms at higher precision."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass

import numpy as np

from lrtk import __version__
from lrtk.errors import UsageError, param
from lrtk.export import quantize
from lrtk.io.model_file import GATE_UP_BLOCK, QTYPES, ModelWriter
from lrtk.export.source import ModelSource
from lrtk.io import atomic_output
from lrtk.io.progress import progress

DENSE = ("f32", "f16")
PRECISIONS = DENSE + tuple(QTYPES)


@dataclass
class QuantSpec:
    """bits: f32, f16, 1-4 or ternary for the linear layers; head and embed likewise."""

    bits: str = "4"
    group_size: int = 64
    head: str | None = None   # default: f32 for an f32 export, else f16
    embed: str | None = None  # default: f32 for an f32 export, else f16
    method: str = "rtn"       # rtn or gptq (needs hessians)
    clip_search: bool = True  # rtn: per-group range search (slower export, lower error)
    symmetric: bool = False   # no zero points: fewer bytes per weight, a little more error

    def __post_init__(self):
        wide = "f32" if self.bits == "f32" else "f16"
        self.head = self.head or wide
        self.embed = self.embed or wide
        if self.head == "same":
            self.head = self.bits
        for what, value in (("bits", self.bits), ("head", self.head)):
            if value not in PRECISIONS:
                raise UsageError(f"{param(what)} must be one of {', '.join(PRECISIONS)}, "
                                 f"not {value}")
        if self.embed not in DENSE:
            raise UsageError(f"{param('embed')} must be f32 or f16, not {self.embed}")
        if self.group_size not in (32, 64, 128):
            raise UsageError(f"{param('group_size')} must be 32, 64 or 128, not {self.group_size}")
        if self.method not in ("rtn", "gptq"):
            raise UsageError(f"{param('method')} must be rtn or gptq, not {self.method}")
        if self.bits in DENSE and self.head in DENSE and (self.symmetric or self.method != "rtn"):
            raise UsageError(f"{param('symmetric')} and {param('method')} gptq quantize, but "
                             f"{param('bits')} {self.bits} and {param('head')} {self.head} keep "
                             "every layer dense")


def _is_linear(name: str) -> bool:
    return name == "lm_head.weight" or (name.startswith("model.layers.") and
                                        name.endswith("proj.weight"))


def _write_linear(writer: ModelWriter, name: str, w: np.ndarray, precision: str,
                  spec: QuantSpec, hessian: np.ndarray | None) -> None:
    if precision in DENSE:
        writer.dense(name, w, precision)
        return
    from lrtk.kernels.binding import pack

    qtype = QTYPES[precision]
    m, k = w.shape
    if k % spec.group_size:
        raise UsageError(f"{name} has {k} input columns, not a multiple of {param('group_size')} "
                         f"{spec.group_size}")
    if hessian is not None:
        codes, scales, zeros = quantize.gptq(w, hessian, qtype, spec.group_size, spec.symmetric)
    else:
        codes, scales, zeros = quantize.rtn(w, qtype, spec.group_size, spec.clip_search,
                                            spec.symmetric)
    p = pack(codes, scales, zeros, qtype=qtype, group_size=spec.group_size)
    writer.packed(name, p.packed, p.scales, p.zeros, qtype=qtype, m=m, k=k,
                  group_size=spec.group_size)


# Projections that read the same input are stacked (q, k and v rows in this order; gate and up
# in alternating blocks, see _stack) so the runtime runs one kernel call and builds one
# activation table for them (lrtk_model.h).
GATE_UP = "mlp.gate_up_proj"
STACKS = {"self_attn.qkv_proj": ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"),
          GATE_UP: ("mlp.gate_proj", "mlp.up_proj")}


def _stack(name: str, arrays: list[np.ndarray]) -> np.ndarray:
    """The arrays of a file tensor stacked in file order: gate and up (weights or biases) in
    alternating blocks of GATE_UP_BLOCK rows, so that the thread that computes a pair of tiles
    applies SwiGLU to them at once (the last pair shorter where they are not a multiple);
    others in turn."""
    if f".{GATE_UP}." not in name:
        return np.concatenate(arrays)
    gate, up = arrays
    return np.concatenate([half[r:r + GATE_UP_BLOCK]
                           for r in range(0, len(gate), GATE_UP_BLOCK) for half in (gate, up)])


def _stacked(names: list[str]) -> dict[str, list[str]]:
    """File tensor name -> the source tensors stacked into it, in file order."""
    out: dict[str, list[str]] = {}
    for name in names:
        m = re.fullmatch(r"(model\.layers\.\d+\.)(.+)\.(weight|bias)", name)
        stack = next((s for s, parts in STACKS.items() if m and m[2] in parts), None)
        out.setdefault(f"{m[1]}{stack}.{m[3]}" if stack else name, []).append(name)
    return out


def export(source: ModelSource, out: str | os.PathLike, spec: QuantSpec,
           hessians: dict[str, np.ndarray] | None = None, max_seq_len: int | None = None) -> dict:
    """Write the model file atomically; returns a summary for the report."""
    config = dict(source.config)
    if max_seq_len:
        config["max_seq_len"] = max_seq_len
    # A tied head is the embedding matrix itself unless it must be stored differently.
    separate_head = not source.tied or spec.head != spec.embed
    names = _stacked(list(source.names) +
                     (["lm_head.weight"] if source.tied and separate_head else []))
    meta = dict(source.meta, lrtk_version=__version__, quant=asdict(spec),
                tokenizer=sorted(source.blobs))
    capacity = 3 * len(names) + len(source.blobs) + 3
    with atomic_output(out, binary=True) as fh:
        writer = ModelWriter(fh, config, capacity)
        writer.blob("meta.json", json.dumps(meta, sort_keys=True).encode())
        for blob_name, data in sorted(source.blobs.items()):
            writer.blob(blob_name, data)
        writer.dense("rope.inv_freq", source.inv_freq)
        writer.dense("layer_window", np.array(source.layer_window), "i32")
        for name, parts in progress(names.items(), desc="export", total=len(names),
                                    unit="tensor"):
            if name == "lm_head.weight" and source.tied:
                parts = ["model.embed_tokens.weight"]
            w = _stack(name, [source.get(p) for p in parts])
            if name == "model.embed_tokens.weight":
                writer.dense(name, w, spec.embed)
            elif _is_linear(name):
                precision = spec.head if name == "lm_head.weight" else spec.bits
                # Stacked projections share their input, hence their Hessian.
                hessian = (hessians or {}).get(parts[0]) if spec.method == "gptq" else None
                _write_linear(writer, name, w, precision, spec, hessian)
            else:
                writer.dense(name, w, "f32")  # norms and biases are tiny: keep them exact
        writer.close()
    return {"output": str(out), "bytes": os.path.getsize(out), "tensors": len(writer.entries),
            "quant": asdict(spec), "source": source.meta.get("source")}
