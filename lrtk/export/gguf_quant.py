"""Weights in llama.cpp's GGUF tensor types, through ggml's own Python quantizers (the `gguf`
package) where it has one, and our own packing where it has none (Q2_K)."""

from __future__ import annotations

import numpy as np

from lrtk.errors import UsageError, param

# --bits (and --head / --embed) for --format gguf -> ggml type name. The named types are
# accepted too, in either case.
ALIASES = {"f32": "F32", "f16": "F16", "8": "Q8_0", "4": "Q4_0", "2": "Q2_K",
           "ternary": "TQ2_0"}
TYPES = ("F32", "F16", "Q8_0", "Q4_0", "Q2_K", "TQ2_0", "TQ1_0")


def require_gguf():
    """The `gguf` package (ggml's writer and quantizers), or one clear error line."""
    try:
        import gguf
    except ImportError:
        raise UsageError(f"{param('format')} gguf needs the gguf package",
                         hint="pip install 'lrtk[export]'") from None
    return gguf


def gguf_type(value: str, what: str) -> str:
    name = ALIASES.get(value.lower(), value.upper())
    if name not in TYPES:
        raise UsageError(f"{param(what)} for {param('format')} gguf must be one of "
                         f"{', '.join(ALIASES)} or a type name ({', '.join(TYPES)}), not {value}")
    return name


def quantize(name: str, w: np.ndarray, type_name: str):
    """(data, GGMLQuantizationType) for one tensor; row lengths must fill whole blocks."""
    gguf = require_gguf()
    qtype = gguf.GGMLQuantizationType[type_name]
    block = gguf.GGML_QUANT_SIZES[qtype][0]
    if w.shape[-1] % block:
        raise UsageError(f"{name} has rows of {w.shape[-1]} values; {type_name} packs "
                         f"{block} at a time",
                         hint=f"choose another {param('bits')} for this model")
    w = np.ascontiguousarray(w, dtype=np.float32)
    if type_name == "Q2_K":
        return _q2_k(w), qtype
    if type_name in ("TQ2_0", "TQ1_0"):
        # ggml's ternary packers take each block's absolute maximum as its scale, which is
        # right for weights trained ternary; ternarize first so other weights keep a fair scale.
        w = _ternarize(w, block)
    return gguf.quants.quantize(w, qtype), qtype


def _ternarize(w: np.ndarray, block: int) -> np.ndarray:
    """Each block as scale * {-1, 0, 1}: of the absmax scale (exact for ternary-trained
    weights) and the absmean one (BitNet b1.58's, for ordinary weights), the one with less
    squared error after the least-squares refit of the scale to the chosen signs."""
    x = w.reshape(-1, block).astype(np.float64)
    best, best_err = None, None
    for d in (np.abs(x).max(axis=1, keepdims=True), np.abs(x).mean(axis=1, keepdims=True)):
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.clip(np.round(np.where(d > 0, x / d, 0)), -1, 1)
        nz = (q * q).sum(axis=1, keepdims=True)
        scale = np.where(nz > 0, (x * q).sum(axis=1, keepdims=True) / np.maximum(nz, 1), 0)
        y = scale * q
        err = ((x - y) ** 2).sum(axis=1, keepdims=True)
        if best is None:
            best, best_err = y, err
        else:
            better = err < best_err
            best, best_err = np.where(better, y, best), np.where(better, err, best_err)
    return best.astype(np.float32).reshape(w.shape)


QK_K = 256


def _q2_k(w: np.ndarray) -> np.ndarray:
    """block_q2_K (ggml-common.h): per 256 weights, 16 sub-blocks of 16 with a 4-bit scale and
    a 4-bit min each (both scaled by f16 super-block factors d and dmin), then 2-bit codes:
    x ~ d * sc * q - dmin * m. Round to nearest over each sub-block's [min(0, lo), hi]."""
    x = w.reshape(-1, QK_K // 16, 16).astype(np.float32)
    lo = np.minimum(x.min(axis=2), 0)
    scale = (x.max(axis=2) - lo) / 3
    d = (scale.max(axis=1, keepdims=True) / 15).astype(np.float16).astype(np.float32)
    dmin = ((-lo).max(axis=1, keepdims=True) / 15).astype(np.float16).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.clip(np.round(np.where(d > 0, scale / d, 0)), 0, 15)
        m = np.clip(np.round(np.where(dmin > 0, -lo / dmin, 0)), 0, 15)
        step = (d * sc)[..., None]
        q = np.where(step > 0, np.round((x + (dmin * m)[..., None]) / step), 0)
    q = np.clip(q, 0, 3).astype(np.uint8).reshape(-1, 2, 4, 32)
    # Byte j of each 32-byte half holds the codes of elements j, 32+j, 64+j, 96+j of that half
    # in bit pairs 0-1, 2-3, 4-5, 6-7.
    qs = (q[:, :, 0] | (q[:, :, 1] << 2) | (q[:, :, 2] << 4) | (q[:, :, 3] << 6)).reshape(-1, 64)
    scales = (sc.astype(np.uint8) | (m.astype(np.uint8) << 4))
    out = np.concatenate([scales, qs, d.astype(np.float16).view(np.uint8),
                          dmin.astype(np.float16).view(np.uint8)], axis=1)
    return out.reshape(*w.shape[:-1], -1)
