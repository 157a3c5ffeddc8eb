"""Banded dynamic programming over beads: the search every aligner shares.

D[i, j] is the cheapest way to align the first i source and first j target sentences. Only a
band of cells around a guide line is filled, so time and memory grow with n * width, not
n * m. If the best path runs along the band's edge the band was in the wrong place or too narrow:
it is re-centred on that path, then doubled up to MAX_HALF_WIDTH, and the search repeated
(documents that really are parallel never pay for this).

The aligners price beads with numpy, a chunk of rows at a time; the recurrence itself runs in
the native library (lrtk.align.band), cell by cell.
"""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from lrtk.align.band import band_dp
from lrtk.align.beads import Bead, span_bead
from lrtk.align.document import ScoredBead

INITIAL_HALF_WIDTH = 24
EDGE_MARGIN = 3  # a path this close to a band edge may have been pushed by it
# The band stops doubling at this half width. Parallel text never leaves the first band
# (TICO-19, Text+Berg and the 10k-sentence benchmark align at 24); a side that lacks a long
# run of sentences needs more (2,000 sentences against their last 70% align at 192). Without
# a cap a path that keeps touching the edge (a few sentences against thousands, a side that
# misses thousands) doubles the band until it covers the whole n x m matrix: quadratic time
# and memory. With it a pass fills at most (n + 1) x 513 cells plus m (rows must overlap,
# see _band), and there are at most 10 passes (each width as found, then re-centred).
MAX_HALF_WIDTH = 256


class BeadCosts(Protocol):
    """What an aligner contributes to the search: the cost of every bead shape."""

    def row(self, i: int, js: np.ndarray, shapes: Sequence[tuple[int, int]]) -> np.ndarray:
        """(len(shapes), len(js)) costs: entry [k, x] is the cost of the bead of shape
        shapes[k] = (a, b) covering source [i-a, i) and target [js[x]-b, js[x]). Entries
        where i < a or js[x] < b are never read and may hold anything.

        A scorer may also define rows(r0, r1, lo, hi, shapes): the blocks of rows r0..r1-1
        (js = lo[i]..hi[i]) flattened one after another, priced in one go (see
        lrtk.align.band.band_grid); the search then calls it instead."""
        ...


def bead_shapes(max_side: int, max_total: int) -> list[tuple[int, int]]:
    """0-1, 1-0 and every a-b with 1 <= a, b <= max_side and a + b <= max_total."""
    shapes = [(0, 1), (1, 0)]
    shapes += [(a, b) for a in range(1, max_side + 1) for b in range(1, max_side + 1)
               if a + b <= max_total]
    return shapes


def _band(n: int, m: int, half: int, guide: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-row [lo, hi] of target positions, around the guide (default: the diagonal)."""
    rows = np.arange(n + 1)
    centre = guide if guide is not None else np.rint(rows * (m / max(n, 1))).astype(np.int64)
    lo = np.clip(centre - half, 0, m)
    hi = np.clip(centre + half, 0, m)
    # Monotone, anchored at both corners, so every row can reach the next.
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    hi = np.maximum.accumulate(hi)
    lo[0], hi[-1] = 0, m
    # Each row must overlap the one before it, or no bead links them: where the target has
    # many more sentences than the source, the diagonal's rows lie further apart than the
    # band is wide. The overlap costs at most m cells in all.
    lo[1:] = np.minimum(lo[1:], hi[:-1])
    return lo, hi


# Cells whose bead costs are gathered before one call of the native recurrence: bounds that
# buffer (cells x shapes floats) whatever the document length, and keeps a chunk about as
# many rows as the band is wide, so that scorers pricing a chunk with one matrix product
# (vectors.CoverageCosts) compute few dot products outside the band.
CHUNK_CELLS = 1 << 12


def _fill(n: int, m: int, shapes: Sequence[tuple[int, int]], scorer: BeadCosts,
          lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every cell's back pointer (shape index) and the cost of that bead, stored row after row
    (row i from offset[i]); and the offsets."""
    offset = np.zeros(n + 2, dtype=np.int64)
    np.cumsum(hi - lo + 1, out=offset[1:])
    back = np.empty(offset[-1], dtype=np.int8)
    bead = np.empty(offset[-1])
    total = np.empty(offset[-1])
    r0 = 0
    while r0 <= n:
        # At least one row per chunk, then as many as fit in CHUNK_CELLS.
        r1 = max(r0 + 1, int(np.searchsorted(offset, offset[r0] + CHUNK_CELLS, side="right")) - 1)
        r1 = min(r1, n + 1)
        band_dp(r0, r1, shapes, lo, hi, offset, _chunk_costs(scorer, r0, r1, lo, hi, shapes),
                total, back, bead)
        r0 = r1
    return back, bead, offset


def _chunk_costs(scorer: BeadCosts, r0: int, r1: int, lo: np.ndarray, hi: np.ndarray,
                 shapes: Sequence[tuple[int, int]]) -> np.ndarray:
    """The cost blocks of rows r0..r1-1, one after another: from the scorer's `rows` where it
    prices many rows at once, else row by row."""
    rows = getattr(scorer, "rows", None)
    if rows is not None:
        return rows(r0, r1, lo, hi, shapes)
    return np.concatenate([scorer.row(i, np.arange(lo[i], hi[i] + 1), shapes).ravel()
                           for i in range(r0, r1)])


def _trace(n: int, m: int, shapes, lo, back, bead, offset) -> tuple[list[Bead], list[float]]:
    beads: list[Bead] = []
    costs: list[float] = []
    # Python ints and floats (.item) along the path: numpy scalars cost more per step.
    offset, lo = offset.tolist(), lo.tolist()
    i, j = n, m
    while i > 0 or j > 0:
        cell = offset[i] + j - lo[i]
        a, b = shapes[back.item(cell)]
        beads.append(span_bead(i - a, a, j - b, b))
        costs.append(bead.item(cell))
        i, j = i - a, j - b
    beads.reverse()
    costs.reverse()
    return beads, costs


def _touches_edge(beads: list[Bead], lo, hi, m: int) -> bool:
    i = j = 0
    for bead in beads:
        i += len(bead.src)
        j += len(bead.tgt)
        if (lo[i] > 0 and j - lo[i] < EDGE_MARGIN) or (hi[i] < m and hi[i] - j < EDGE_MARGIN):
            return True
    return False


def best_path(n: int, m: int, shapes: Sequence[tuple[int, int]], scorer: BeadCosts, *,
              guide: np.ndarray | None = None, half_width: int = INITIAL_HALF_WIDTH) -> list[Bead]:
    """The cheapest bead sequence covering source [0, n) and target [0, m).
    `guide` (length n + 1) centres the band on a previous path instead of the diagonal."""
    return _search(n, m, shapes, scorer, guide, half_width)[0]


def scored_path(n: int, m: int, shapes: Sequence[tuple[int, int]],
                scorer: BeadCosts) -> list[ScoredBead]:
    """best_path with each bead's cost under `scorer` (the cost the search minimised) and
    its start."""
    beads, costs = _search(n, m, shapes, scorer, None, INITIAL_HALF_WIDTH)
    out = []
    i = j = 0
    for bead, cost in zip(beads, costs):
        out.append(ScoredBead(bead, round(cost, 4), (i, j)))
        i += len(bead.src)
        j += len(bead.tgt)
    return out


def _search(n: int, m: int, shapes: Sequence[tuple[int, int]], scorer: BeadCosts,
            guide: np.ndarray | None, half_width: int) -> tuple[list[Bead], list[float]]:
    if n == 0 or m == 0:
        # Nothing to link: every sentence is a deletion; the scorer prices each.
        beads = ([span_bead(i, 1, m, 0) for i in range(n)]
                 + [span_bead(n, 0, j, 1) for j in range(m)])
        return beads, _bead_costs(beads, scorer, shapes)
    half = max(half_width, 2 * max(max(s) for s in shapes))
    retries = 0
    while True:
        lo, hi = _band(n, m, half, guide)
        beads, costs = _trace(n, m, shapes, lo, *_fill(n, m, shapes, scorer, lo, hi))
        if half >= max(n, m) or not _touches_edge(beads, lo, hi, m):
            return beads, costs
        # Long documents drift off the diagonal: first re-centre the band on the path just
        # found (same width, same cost), and only if that is not enough make it wider.
        guide = path_guide(beads, n)
        retries += 1
        if retries % 2 == 0:
            if half >= MAX_HALF_WIDTH:
                return beads, costs  # the widest band, re-centred: the best path it holds
            half = min(2 * half, MAX_HALF_WIDTH)


def path_guide(beads: Sequence[Bead], n: int) -> np.ndarray:
    """The target position at each source position along a path: a band centre."""
    guide = np.zeros(n + 1, dtype=np.int64)
    i = j = 0
    for bead in beads:
        for _ in bead.src:
            guide[i] = j
            i += 1
        j += len(bead.tgt)
    guide[i:] = j
    return guide


def _bead_costs(beads: Sequence[Bead], scorer: BeadCosts,
                shapes: Sequence[tuple[int, int]]) -> list[float]:
    """Each bead's cost under `scorer`, asked one bead at a time."""
    out = []
    i = j = 0
    for bead in beads:
        i += len(bead.src)
        j += len(bead.tgt)
        out.append(float(scorer.row(i, np.array([j]), shapes)[shapes.index(bead.kind), 0]))
    return out
