"""Block similarity for the aligners that compare vectors (lexical, embedding, translation).

A block of consecutive sentences is represented by the sum of its sentence vectors; prefix
sums give any block in one subtraction, so memory stays linear in document length however
many bead shapes are searched. Costs follow vecalign: (1 - similarity), normalised by the
document's typical similarity of unrelated sentences, plus a penalty per extra sentence so
that merging is not free (SimilarityCosts for a bead-level score such as BLEU,
CoverageCosts for cosines, where each sentence must be explained by the other side).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from lrtk.align.band import band_grid, flatten_rows
from lrtk.align.length import LengthProfile, length_costs, shape_priors


DELETION_LENGTH_CAP = 0.5


class BlockSums:
    """Prefix sums over the rows of an (n, d) matrix."""

    def __init__(self, rows: np.ndarray):
        # float32 halves memory; rows are unit vectors or small counts, so sums stay exact
        # to ~1e-6, far below any cost difference the search acts on.
        self.cum = np.zeros((rows.shape[0] + 1, rows.shape[1]), dtype=np.float32)
        # Row by row: the same float32 additions in the same order as np.cumsum(axis=0), which
        # walks the columns with a stride and is several times slower on (10k, 1024).
        for k in range(rows.shape[0]):
            np.add(self.cum[k], rows[k], out=self.cum[k + 1])

    def blocks(self, ends: np.ndarray | int, size: int) -> np.ndarray:
        """Sum of rows [end - size, end) for each end (clipped at 0)."""
        ends = np.asarray(ends)
        return self.cum[ends] - self.cum[np.maximum(ends - size, 0)]

    def every_block(self, size: int) -> np.ndarray:
        """blocks(range(n + 1), size) by slices instead of gathers (row 0 is zeros, so the
        clipped rows are the prefix sums themselves)."""
        out = np.empty_like(self.cum)
        out[:size] = self.cum[:size]
        np.subtract(self.cum[size:], self.cum[:-size], out=out[size:])
        return out


def block_dots(src: BlockSums, tgt: BlockSums, i: int, js: np.ndarray,
               shapes: Sequence[tuple[int, int]]) -> np.ndarray:
    """(len(shapes), len(js)) dot products of source block [i-a, i) with target blocks
    [j-b, j); zero for deletion shapes."""
    out = np.zeros((len(shapes), len(js)))
    a_sizes = sorted({a for a, b in shapes if a and b})
    if not a_sizes:
        return out
    src_blocks = np.stack([src.blocks(i, a) for a in a_sizes])  # (A, d)
    row_of = {a: r for r, a in enumerate(a_sizes)}
    for b in sorted({b for a, b in shapes if a and b}):
        dots = src_blocks @ tgt.blocks(js, b).T
        for k, (a, bb) in enumerate(shapes):
            if a and bb == b:
                out[k] = dots[row_of[a]]
    return out


class SimilarityCosts:
    """Turns block similarities into bead costs, the same way for every vector aligner."""

    def __init__(self, shapes: Sequence[tuple[int, int]], baseline: float, *,
                 merge_penalty: float, deletion: float):
        self.size = np.array([[a + b] for a, b in shapes], dtype=np.float64)
        self.deletion = np.array([[a == 0 or b == 0] for a, b in shapes])
        self.baseline = max(baseline, 0.05)
        self.merge_penalty = merge_penalty
        self.deletion_cost = deletion

    def __call__(self, similarity: np.ndarray) -> np.ndarray:
        cost = (self.size / 2) * (1.0 - similarity) / self.baseline
        cost += self.merge_penalty * (self.size - 2)
        return np.where(self.deletion, self.deletion_cost, cost)


def unrelated_similarity(src: np.ndarray, tgt: np.ndarray, score, samples: int = 500) -> float:
    """Mean (1 - similarity) of sentence pairs half a document apart: what 'unrelated'
    looks like in this document, for this aligner. `score(src_rows, tgt_rows)` -> sims."""
    n, m = len(src), len(tgt)
    if n == 0 or m == 0:
        return 1.0
    idx = np.linspace(0, n - 1, min(samples, n)).astype(np.int64)
    far = (idx * m // n + m // 2) % m
    return float(np.mean(1.0 - score(src[idx], tgt[far])))


def idf_reweight(src: np.ndarray, tgt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weight each dimension by its inverse document frequency over both sides, rows
    renormalised. Sparse (hashed) vectors lose their ubiquitous features (function words,
    full stops); dense model embeddings use every dimension in every row, so the weights are
    uniform and they pass through unchanged."""
    n_rows = len(src) + len(tgt)
    if n_rows == 0:
        return src, tgt
    df = sum(np.count_nonzero(np.abs(x) > 1e-6, axis=0) for x in (src, tgt))
    weight = (np.log((n_rows + 1) / (df + 1)) + 1e-3).astype(np.float32)

    def scale(x: np.ndarray) -> np.ndarray:
        y = x.astype(np.float32, copy=False) * weight
        norms = _norms(y)
        return np.divide(y, norms, out=np.zeros_like(y), where=norms > 0)

    return scale(src), scale(tgt)


class CoverageCosts:
    """Coverage costs: every sentence of a bead must be explained by the other side's block.

    cost(a-b bead) = [sum over its source sentences s of (1 - cos(s, target block))
                      + sum over its target sentences t of (1 - cos(t, source block))]
                     / (2 * unrelated) + merge_penalty * (a + b - 2)
                     + length_weight * Gale-Church cost
    A 1-1 bead costs (1 - cos) / unrelated, as in vecalign; a sentence merged into a bead
    it does not belong to costs about as much as an unrelated pair, so it is deleted instead.
    """

    def __init__(self, src_vecs: np.ndarray, tgt_vecs: np.ndarray, shapes,
                 lengths: LengthProfile, *, deletion: float, merge_penalty: float,
                 length_weight: float):
        self.deletion = deletion
        self.length_weight = length_weight
        self.lengths = lengths
        self.priors = shape_priors(shapes)
        self.src_vecs, self.tgt_vecs = idf_reweight(src_vecs, tgt_vecs)
        self.src = BlockSums(self.src_vecs)
        self.unrelated = max(unrelated_similarity(self.src_vecs, self.tgt_vecs,
                                                  lambda s, t: np.sum(s * t, axis=1)), 0.05)
        self.a_max = max(a for a, _ in shapes)
        self.b_max = max(b for _, b in shapes)
        self.a_sizes = sorted({a for a, b in shapes if a and b})
        self.by_b: dict[int, list[tuple[int, int, int]]] = {}
        for k, (a, b) in enumerate(shapes):
            if a and b:
                self.by_b.setdefault(b, []).append((k, a, self.a_sizes.index(a)))
        # Every target block, unit length, computed once: rows slide through the band, so
        # per-row computation would redo each block about band-width times.
        tgt = BlockSums(self.tgt_vecs)
        self.tgt_units = {b: _unit(tgt.every_block(b), inplace=True) for b in self.by_b}
        self.linked = np.array([[a > 0 and b > 0] for a, b in shapes])
        size = np.array([[a + b] for a, b in shapes], dtype=np.float64)
        self.extra = np.where(size > 1, merge_penalty * (size - 2), 0.0)

    def row(self, i: int, js: np.ndarray, shapes) -> np.ndarray:
        l1, l2 = self.lengths.block_lengths(i, js, shapes)
        length = self.length_weight * length_costs(l1, l2, self.priors, self.lengths.ratio)
        # Gale–Church also prices a deletion by its length, but only up to a cap: a long
        # sentence with no counterpart must stay cheaper to delete than to merge wrongly.
        length = np.where(self.linked, length, np.minimum(length, DELETION_LENGTH_CAP))
        out = np.full((len(shapes), len(js)), self.deletion)
        if i == 0:
            return out + length
        # Source sentences i-1, i-2, ... (newest first); targets from b_max before the band.
        recent = self.src_vecs[max(i - self.a_max, 0):i][::-1]
        t0 = max(int(js[0]) - self.b_max, 0)
        ends = js - t0
        src_blocks = _unit(np.stack([self.src.blocks(i, a) for a in self.a_sizes]))
        # along[r, e]: sum of cos(t, source block r) over the targets t0 .. t0 + e - 1.
        along = np.zeros((len(self.a_sizes), int(ends[-1]) + 1))
        np.cumsum(self.tgt_vecs[t0:int(js[-1])] @ src_blocks.T, axis=0, out=along[:, 1:].T)
        for b, members in self.by_b.items():
            tgt_blocks = self.tgt_units[b][int(js[0]):int(js[-1]) + 1]
            # src_cover[r, x]: sum of cos(s, target block) over the r + 1 newest sources.
            src_cover = np.cumsum(recent @ tgt_blocks.T, axis=0)
            starts = np.maximum(ends - b, 0)
            for k, a, r in members:
                if a <= len(recent):
                    tgt_cover = along[r, ends] - along[r, starts]
                    out[k] = (a - src_cover[a - 1] + b - tgt_cover) / (2 * self.unrelated)
        return out + self.extra + length


    def rows(self, r0: int, r1: int, lo: np.ndarray, hi: np.ndarray, shapes) -> np.ndarray:
        """What row() gives for each row r0..r1-1, with one matrix product per block size
        for the whole chunk instead of several per row: the same sums in the same order,
        except inside the float32 dot products (BLAS blocks them by matrix shape)."""
        i, js, valid = band_grid(r0, r1, lo, hi)
        l1, l2 = self.lengths.block_lengths(i, js, shapes)
        length = self.length_weight * length_costs(l1, l2, self.priors, self.lengths.ratio)
        length = np.where(self.linked, length, np.minimum(length, DELETION_LENGTH_CAP))
        out = np.full(length.shape, self.deletion)
        if r1 > 1:
            self._cover(i, js, out)
        out += self.extra  # in place: the sums of out + extra + length, fewer temporaries
        out += length
        return flatten_rows(out, valid)

    def _cover(self, i: np.ndarray, js: np.ndarray, out: np.ndarray) -> None:
        """Fill out[:, k] with row()'s coverage cost of every linked shape k = (a, b), a <= i."""
        # Sources i-1, i-2, ... (newest first) as rows of one product with the targets.
        s0 = max(int(i[0]) - self.a_max, 0)
        newest = np.clip(i[:, None] - 1 - np.arange(self.a_max) - s0, 0, None)  # (R, a_max)
        j0, j1 = int(js.min()), int(js.max())
        # Unit source blocks of every row and size; along[p, r, e]: sum of cos(t, block r of
        # row p) over the targets t0[p] .. t0[p] + e - 1, as row() sums them.
        units = _unit(self.src.blocks(i[:, None], np.array(self.a_sizes)[None, :]))
        t0 = np.maximum(js[:, 0] - self.b_max, 0)
        span = js[:, -1] - t0
        e = np.arange(int(span.max()))
        dots = self.tgt_vecs[int(t0.min()):j1] @ units.reshape(-1, units.shape[-1]).T
        # Gathers by flat index (np.take): the same values as broadcast fancy indexing,
        # without its per-call index arithmetic over (rows, sizes, width).
        rows_at = np.arange(len(i))[:, None, None] * len(self.a_sizes) + np.arange(len(self.a_sizes))[:, None]
        at = np.minimum(t0[:, None, None] + e - int(t0.min()), len(dots) - 1)
        picked = dots.reshape(-1).take(at * dots.shape[1] + rows_at)
        along = np.zeros(picked.shape[:2] + (picked.shape[2] + 1,))
        np.cumsum(picked, axis=2, out=along[:, :, 1:])
        ends = js - t0[:, None]
        # along[p, r, x] is flat[row_base[p] + r * stride + x].
        stride = along.shape[2]
        flat_along = along.reshape(-1)
        row_base = np.arange(len(i))[:, None] * (len(self.a_sizes) * stride)
        sources = self.src_vecs[s0:int(i[-1])]
        n_cols = j1 + 1 - j0
        # sims[newest[p, s], js[p, x] - j0] for every row p, source s (newest first), cell x.
        pick = (np.minimum(newest, len(sources) - 1)[:, :, None] * n_cols
                + (js - j0)[:, None, :])
        for b, members in self.by_b.items():
            ks, a_rows, rs = (np.array(x) for x in zip(*members))
            sims = (sources @ self.tgt_units[b][j0:j1 + 1].T).reshape(-1)
            # src_cover[:, a - 1]: sum of cos(s, target block) over the a newest sources,
            # added one source at a time in float32 as np.cumsum(axis=1) adds them.
            src_cover = sims.take(pick[:, :int(a_rows.max())])
            for a in range(1, src_cover.shape[1]):
                src_cover[:, a] += src_cover[:, a - 1]
            # Every member shape at once, laid out as out[:, ks]: (rows, members, cells).
            at_r = row_base[:, :, None] + rs[:, None] * stride
            tgt_cover = (flat_along.take(at_r + ends[:, None, :])
                         - flat_along.take(at_r + np.maximum(ends - b, 0)[:, None, :]))
            # a as float32: the float32 arithmetic that a Python int a gives.
            a = a_rows.astype(np.float32)[:, None]
            cost = (a - src_cover[:, a_rows - 1] + b - tgt_cover) / (2 * self.unrelated)
            if int(i[0]) < a_rows.max():  # the first rows lack sources for the larger a
                cost = np.where(i[:, None, None] >= a_rows[:, None], cost, out[:, ks])
            out[:, ks] = cost


def _norms(x: np.ndarray) -> np.ndarray:
    """np.linalg.norm(x, axis=-1, keepdims=True) of a real array, the same float32 values:
    the sum its fast path reduces, without the copy that its x.conj() makes first."""
    return np.sqrt(np.add.reduce(np.square(x), axis=-1, keepdims=True))


def _unit(x: np.ndarray, inplace: bool = False) -> np.ndarray:
    norms = np.maximum(_norms(x), 1e-9)
    return np.divide(x, norms, out=x if inplace else None)
