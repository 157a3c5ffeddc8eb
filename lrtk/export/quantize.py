"""Group-wise weight quantization to b-bit codes with scales (and zero points).

The convention is the kernels' (lrtk_tmac.h): w ~ scale * (code - zero) per group of
`group_size` consecutive input columns. b-bit codes are asymmetric by default (a float zero point; the
group's min and max are representable up to the half rounding of the stored scale); symmetric codes store no zero point and
mean code - (2^b - 1) / 2 (0.125 bit per weight less at group 128); ternary codes
{0, 1, 2} mean {-1, 0, +1} * scale. Functions take and return zero=None for the latter two.
"""

from __future__ import annotations

import numpy as np

from lrtk.kernels.binding import half_round

TERNARY = 5
# Scales are stored as IEEE halves; below the smallest normal half they would lose precision
# (and round to 0 under 2^-25), so smaller groups get this scale, an error under 1e-4.
SMALLEST_SCALE = 2.0**-14


def _groups(w: np.ndarray, group_size: int) -> np.ndarray:
    m, k = w.shape
    return w.reshape(m, k // group_size, group_size)


def _implied_zero(qtype: int) -> float:
    """The zero point of codes stored without one: ternary 1, b bits (2^b - 1) / 2."""
    return 1.0 if qtype == TERNARY else ((1 << qtype) - 1) / 2


def group_params(w: np.ndarray, qtype: int, group_size: int, symmetric: bool = False,
                 shrink: float = 1.0):
    """Scales and zero points (None for ternary / symmetric) of each group of w (m x k),
    each of shape (m, k/gs); shrink < 1 clips the group's range towards zero."""
    g = _groups(w.astype(np.float32, copy=False), group_size)
    if qtype == TERNARY:
        # Absmean (BitNet b1.58): the scale that best fits weights rounded to {-1, 0, 1}.
        scale, zero = np.abs(g).mean(axis=2), None
    elif symmetric:
        scale, zero = np.abs(g).max(axis=2) * shrink / _implied_zero(qtype), None
    else:
        lo, hi = g.min(axis=2) * shrink, g.max(axis=2) * shrink
        scale = (hi - lo) / ((1 << qtype) - 1)
    # Codes are chosen against the scale the runtime will use: the stored half.
    scale = half_round(np.where(scale > 0, np.maximum(scale, SMALLEST_SCALE), 1.0))
    if qtype != TERNARY and not symmetric:
        zero = -lo / scale
    return scale, None if zero is None else zero.astype(np.float32)


def quantize_with(w: np.ndarray, scale: np.ndarray, zero: np.ndarray | None, qtype: int,
                  group_size: int) -> np.ndarray:
    """Codes of w (m x k, uint8) under given per-group scales and zero points."""
    g = _groups(w, group_size) / scale[:, :, None]
    z = _implied_zero(qtype) if zero is None else zero[:, :, None]
    qmax = 2 if qtype == TERNARY else (1 << qtype) - 1
    return np.clip(np.rint(g + z), 0, qmax).astype(np.uint8).reshape(w.shape)


def dequantize(codes: np.ndarray, scale: np.ndarray, zero: np.ndarray | None, qtype: int,
               group_size: int) -> np.ndarray:
    c = _groups(codes.astype(np.float32), group_size)
    z = _implied_zero(qtype) if zero is None else zero[:, :, None]
    return (scale[:, :, None] * (c - z)).reshape(codes.shape).astype(np.float32)


def rtn(w: np.ndarray, qtype: int, group_size: int, clip_search: bool = True,
        symmetric: bool = False):
    """Round-to-nearest: (codes, scales, zeros), zeros None for ternary and symmetric.

    With clip_search each group's range is shrunk towards zero by the factor (1 down to 0.75)
    that minimises its squared rounding error: clipping a few outliers buys finer steps for
    all other weights, which matters most at 2-3 bits."""
    scale, zero = group_params(w, qtype, group_size, symmetric)
    codes = quantize_with(w, scale, zero, qtype, group_size)
    if not clip_search or qtype == TERNARY:
        return codes, scale, zero
    g = _groups(w, group_size)

    def error(c, s, z):
        return ((_groups(dequantize(c, s, z, qtype, group_size), group_size) - g) ** 2).sum(2)

    best = error(codes, scale, zero)
    for shrink in np.linspace(0.95, 0.75, 5):
        s, z = group_params(w, qtype, group_size, symmetric, shrink)
        c = quantize_with(w, s, z, qtype, group_size)
        err = error(c, s, z)
        better = err < best
        best = np.where(better, err, best)
        scale = np.where(better, s, scale)
        zero = None if zero is None else np.where(better, z, zero)
        codes = np.where(np.repeat(better, group_size, axis=1), c, codes)
    return codes, scale, zero


def gptq(w: np.ndarray, hessian: np.ndarray, qtype: int, group_size: int,
         symmetric: bool = False, damp: float = 0.01, block: int = 128):
    """GPTQ (Frantar et al. 2022): quantize columns left to right, spreading each column's
    rounding error over the columns not yet quantized, weighted by the inverse Hessian
    H = X^T X of the layer's calibration inputs. Same outputs as rtn()."""
    import torch

    W = torch.tensor(w, dtype=torch.float64)
    m, k = W.shape
    H = torch.tensor(hessian, dtype=torch.float64).clone()
    dead = torch.diag(H) == 0  # inputs never active: their weights cannot matter
    H[dead, dead] = 1.0
    W[:, dead] = 0.0
    H += torch.eye(k, dtype=torch.float64) * damp * torch.mean(torch.diag(H))
    Hinv = torch.linalg.cholesky(torch.cholesky_inverse(torch.linalg.cholesky(H)), upper=True)

    n_groups = k // group_size
    block = max(block, group_size) // group_size * group_size  # groups never straddle blocks
    scales = np.empty((m, n_groups), np.float32)
    zeros = None if qtype == TERNARY or symmetric else np.empty((m, n_groups), np.float32)
    codes = np.empty((m, k), np.uint8)
    for b0 in range(0, k, block):
        b1 = min(b0 + block, k)
        Wb = W[:, b0:b1].clone()
        err = torch.zeros_like(Wb)
        for j in range(b1 - b0):
            col, g = b0 + j, (b0 + j) // group_size
            if col % group_size == 0:  # a group's scale comes from its error-updated weights
                s, z = group_params(Wb[:, j:j + group_size].numpy(), qtype, group_size, symmetric)
                scales[:, g] = s[:, 0]
                if zeros is not None:
                    zeros[:, g] = z[:, 0]
            s = scales[:, g:g + 1]
            z = None if zeros is None else zeros[:, g:g + 1]
            c = quantize_with(Wb[:, j:j + 1].numpy(), s, z, qtype, 1)
            codes[:, col] = c[:, 0]
            q = torch.from_numpy(dequantize(c, s, z, qtype, 1)[:, 0]).double()
            e = (Wb[:, j] - q) / Hinv[col, col]
            Wb[:, j:] -= e[:, None] * Hinv[col, col:b1][None, :]
            err[:, j] = e
        W[:, b1:] -= err @ Hinv[b0:b1, b1:]
    return codes, scales, zeros
