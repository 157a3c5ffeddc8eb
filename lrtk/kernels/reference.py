"""The numpy float reference for the kernels, and the error bound int8 tables imply."""

from __future__ import annotations

import numpy as np

from lrtk.kernels.binding import TERNARY, half_round, qtype_of


def dequantize(codes, scales, zeros=None, *, qtype, group_size: int = 128) -> np.ndarray:
    """Float64 weights as the kernels see them after lrtk_tmac_pack: w = s * (code - mid) + b
    with s = half(scale), mid the implied zero point (ternary 1, b bits (2^b - 1) / 2) and,
    with zero points, the stored bias b = half(s * (mid - zero)) (float32 product), so that
    w ~ scale * (code - zero)."""
    qtype = qtype_of(qtype)
    codes = np.asarray(codes, dtype=np.float64)
    s = half_round(scales)
    mid = 1.0 if qtype == TERNARY else ((1 << qtype) - 1) / 2
    w = _per_column(s, group_size) * (codes - mid)
    if zeros is not None:
        bias = half_round(s * (np.float32(mid) - np.asarray(zeros, dtype=np.float32)))
        w += _per_column(bias, group_size)
    return w


def _per_column(per_group, group_size: int) -> np.ndarray:
    """(m, k/group_size) -> (m, k): each group's value repeated over its columns."""
    return np.repeat(np.asarray(per_group, dtype=np.float64), group_size, axis=1)


def reference_gemm(codes, scales, zeros, x, *, qtype, group_size: int = 128) -> np.ndarray:
    """x . W^T in float64 on the dequantized weights: what the kernels approximate."""
    w = dequantize(codes, scales, zeros, qtype=qtype, group_size=group_size)
    return np.asarray(x, dtype=np.float64) @ w.T


def table_error_bound(x, scales, *, qtype, group_size: int = 128) -> np.ndarray:
    """Largest |kernel - reference_gemm| the int8 table quantization allows, per (token, row).

    For a quad of activations the table holds sum_i s_i x_i (s_i = +-1), at most
    a = |x0|+|x1|+|x2|+|x3|; a group's tables share the step A/127, A the largest a of the
    group, and rounding moves each entry by at most step/2. A row reads group_size/4 entries
    per plane, plane j weighted 2^(j-1) (ternary: 1/2 and 1/2), so per group the error is at
    most |scale| * (group_size/4) * (A/254) * (2^b - 1)/2 (ternary: times 1). Relative to
    |y| this is about (2^b - 1)/2 * sqrt(...) / 254 for random data, well under 1%; the
    bound here is the worst case, summed over groups.
    """
    return _rounding_bound(x, scales, qtype, group_size, span=4)


def int8_error_bound(x, scales, *, qtype, group_size: int = 128) -> np.ndarray:
    """Largest |int8 GEMM - reference_gemm| per (token, row) for the prefill product
    (gemm(..., int8=True)): each activation is rounded to a step of A/127, A the largest |x|
    of its group, so it moves by at most A/254, times |code - mid| <= (2^b - 1)/2 (ternary 1)
    for each of the group's columns."""
    return _rounding_bound(x, scales, qtype, group_size, span=1)


def _rounding_bound(x, scales, qtype, group_size: int, span: int) -> np.ndarray:
    """Both bounds: int8 steps shared by a group, each covering `span` activations' sum."""
    qtype = qtype_of(qtype)
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    n, k = x.shape
    span_abs = np.abs(x).reshape(n, k // group_size, group_size // span, span).sum(axis=3)
    step = span_abs.max(axis=2) / 127.0                                # (n, groups)
    plane_weights = 1.0 if qtype == TERNARY else ((1 << qtype) - 1) / 2
    per_group = (group_size / span) * (step / 2) * plane_weights       # (n, groups)
    return per_group @ np.abs(half_round(scales).astype(np.float64)).T  # (n, m)
