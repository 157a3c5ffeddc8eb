"""The native band recurrence (lrtk.align.band) against a plain cell-by-cell reference DP:
on random cost blocks (integers: identical; floats: totals within 1e-9) and on real
documents (identical beads)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import shared_path
from lrtk.align.band import band_dp
from lrtk.align.build import AlignerOptions, build_aligners
from lrtk.align.perturb import perturbed_set
from lrtk.align import search
from lrtk.align.search import _band, bead_shapes


def reference_dp(shapes, lo, hi, costs_of_row):
    """D[i][j] = min over shapes of D[i-a][j-b] + cost, cell by cell; a 0-1 bead continues
    from the cell to the left. First shape wins a tie, and a bead from the row above wins a
    tie with the 0-1 bead. Returns per-row totals and back pointers."""
    del_tgt = shapes.index((0, 1))
    totals, backs = [], []
    for i in range(len(lo)):
        c = costs_of_row(i)
        row, back = [], []
        for x, j in enumerate(range(lo[i], hi[i] + 1)):
            best, arg = math.inf, 0
            for k, (a, b) in enumerate(shapes):
                if a == 0 or a > i or not lo[i - a] <= j - b <= hi[i - a]:
                    continue
                v = totals[i - a][j - b - lo[i - a]] + c[k][x]
                if v < best:
                    best, arg = v, k
            if i == 0 and x == 0:
                best = 0.0
            if x > 0 and row[x - 1] + c[del_tgt][x] < best:
                best, arg = row[x - 1] + c[del_tgt][x], del_tgt
            row.append(best)
            back.append(arg)
        totals.append(row)
        backs.append(back)
    return totals, backs


def _random_band(n, m, half):
    lo, hi = _band(n, m, half, None)
    offset = np.zeros(n + 2, dtype=np.int64)
    np.cumsum(hi - lo + 1, out=offset[1:])
    return lo, hi, offset


@pytest.mark.parametrize("kind", ["int", "float"])
@pytest.mark.parametrize("n,m,half", [(1, 1, 4), (7, 30, 3), (40, 33, 6), (60, 60, 5)])
def test_native_recurrence_equals_the_reference(kind, n, m, half):
    rng = np.random.default_rng(n * 100 + m)
    shapes = bead_shapes(3, 4)
    lo, hi, offset = _random_band(n, m, half)
    blocks = [rng.integers(0, 4, (len(shapes), hi[i] - lo[i] + 1)).astype(np.float64)
              if kind == "int" else rng.random((len(shapes), hi[i] - lo[i] + 1)) * 3
              for i in range(n + 1)]
    total, back, bead = (np.empty(offset[-1]), np.empty(offset[-1], dtype=np.int8),
                         np.empty(offset[-1]))
    # In two chunks, as the search calls it: the second continues from the first's rows.
    cut = (n + 1) // 2
    for r0, r1 in ((0, cut), (cut, n + 1)):
        band_dp(r0, r1, shapes, lo, hi, offset,
                np.concatenate([blocks[i].ravel() for i in range(r0, r1)]), total, back, bead)
    ref_total, ref_back = reference_dp(shapes, lo, hi, lambda i: blocks[i].tolist())
    for i in range(n + 1):
        cells = slice(offset[i], offset[i + 1])
        if kind == "int":
            assert total[cells].tolist() == ref_total[i]
            assert back[cells].tolist() == ref_back[i]
        else:
            np.testing.assert_allclose(total[cells], ref_total[i], rtol=0, atol=1e-9)
        chosen = blocks[i][back[cells], np.arange(hi[i] - lo[i] + 1)]
        assert bead[cells].tolist() == chosen.tolist()
    assert np.isfinite(total[offset[n]:offset[n + 1]][-1])


def reference_fill(n, m, shapes, scorer, lo, hi):
    """search._fill's result, computed by reference_dp."""
    offset = np.zeros(n + 2, dtype=np.int64)
    np.cumsum(hi - lo + 1, out=offset[1:])
    rows = [scorer.row(i, np.arange(lo[i], hi[i] + 1), shapes) for i in range(n + 1)]
    _, backs = reference_dp(shapes, lo, hi, lambda i: rows[i].tolist())
    back = np.concatenate([np.array(b, dtype=np.int8) for b in backs])
    bead = np.concatenate([rows[i][backs[i], np.arange(len(backs[i]))] for i in range(n + 1)])
    return back, bead, offset


def test_real_documents_give_the_reference_path(monkeypatch):
    """FLORES ne-en documents under every offline aligner: the native search over batched
    costs (rows()) and the reference DP over row-by-row costs find the same beads."""
    docs, _ = perturbed_set(shared_path(), "flores-ne")
    docs = docs[:3]
    aligners = build_aligners(["lexical", "embedding", "length"], docs, AlignerOptions(), "en")
    fast = [[a.align(d) for d in docs] for a in aligners]
    monkeypatch.setattr(search, "_fill", reference_fill)
    slow = [[a.align(d) for d in docs] for a in aligners]
    assert sum(len(beads) for per_aligner in fast for beads in per_aligner) > 300
    for got, want in zip(fast, slow):
        for doc_got, doc_want in zip(got, want):
            assert [sb.bead for sb in doc_got] == [sb.bead for sb in doc_want]
            # The scorers' batched rows() may round float32 dot products differently from
            # row() (BLAS blocks by matrix shape): costs agree to the printed 4 decimals.
            np.testing.assert_allclose([sb.cost for sb in doc_got],
                                       [sb.cost for sb in doc_want], rtol=0, atol=2e-4)
