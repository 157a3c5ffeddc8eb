"""ctypes binding of the banded bead recurrence (native/include/lrtk_align.h)."""

from __future__ import annotations

import ctypes
from functools import lru_cache
from typing import Sequence

import numpy as np

from lrtk import native

_P = ctypes.c_void_p
_L = ctypes.c_int64


@lru_cache(maxsize=None)
def _c_band_dp():
    try:
        return native.function("lrtk_band_dp", None, _L, _L, _L, _P, _P, _L, _P, _P, _P, _P, _P,
                               _P, _P)
    except AttributeError:  # a library built before the aligners' recurrence moved there
        raise native.NativeLibraryError(
            f"the native library {native.library_path()} has no lrtk_band_dp (it predates the "
            "aligners' native search)",
            hint="rebuild it: `pip install -e .`, or cmake --build for LRTK_NATIVE_LIB") from None


def _ptr(a: np.ndarray) -> int:
    return a.ctypes.data


def band_dp(r0: int, r1: int, shapes: Sequence[tuple[int, int]], lo: np.ndarray, hi: np.ndarray,
            offset: np.ndarray, costs: np.ndarray, total: np.ndarray, back: np.ndarray,
            bead: np.ndarray) -> None:
    """Fill rows [r0, r1) of total/back/bead (flat, row i from offset[i]) from `costs`, the
    rows' (shapes, width) cost blocks one after another. Rows before r0 are already filled."""
    shape_a = np.array([a for a, _ in shapes], dtype=np.int64)
    shape_b = np.array([b for _, b in shapes], dtype=np.int64)
    lo, hi, offset = (np.ascontiguousarray(x, dtype=np.int64) for x in (lo, hi, offset))
    costs = np.ascontiguousarray(costs, dtype=np.float64)
    if len(costs) != len(shapes) * (offset[r1] - offset[r0]):
        raise ValueError(f"{len(costs)} costs for rows {r0}..{r1 - 1} of {len(shapes)} shapes")
    for out, dtype in ((total, np.float64), (back, np.int8), (bead, np.float64)):
        if out.dtype != dtype or not out.flags.c_contiguous or len(out) < offset[r1]:
            raise ValueError("band_dp outputs must be contiguous arrays covering every cell")
    _c_band_dp()(r0, r1, len(shapes), _ptr(shape_a), _ptr(shape_b), list(shapes).index((0, 1)),
                 _ptr(lo), _ptr(hi), _ptr(offset), _ptr(costs), _ptr(total), _ptr(back), _ptr(bead))


def band_grid(r0: int, r1: int, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows r0..r1-1 of the band as a rectangle, for scorers that price many rows with one
    numpy operation: the rows (R,), their target positions (R, W) and which of those are
    cells (R, W). Past its own end a row repeats its last position, so every index is valid."""
    rows = np.arange(r0, r1)
    width = hi[r0:r1] - lo[r0:r1] + 1
    x = np.arange(int(width.max()))
    js = np.minimum(lo[r0:r1, None] + x, hi[r0:r1, None])
    return rows, js, x < width[:, None]


def flatten_rows(grid: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(R, shapes, W) costs over a band_grid rectangle -> the rows' cost blocks one after
    another, as band_dp reads them."""
    return grid[np.broadcast_to(valid[:, None, :], grid.shape)]
