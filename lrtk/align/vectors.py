"""Block similarity for the aligners that compare vectors (lexical, embedding, translation).

A block of consecutive sentences is represented by the sum of its sentence vectors; prefix
sums give any block in one subtraction, so memory stays linear in document length however
many bead shapes are searched. Costs follow vecalign: (1 - similarity), normalised by the
document's typical similarity of unrelated sentences, scaled by the number of sentences the
bead covers, plus a penalty per extra sentence so that merging is not free.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


class BlockSums:
    """Prefix sums over the rows of an (n, d) matrix."""

    def __init__(self, rows: np.ndarray):
        self.cum = np.zeros((rows.shape[0] + 1, rows.shape[1]), dtype=np.float64)
        np.cumsum(rows, axis=0, out=self.cum[1:])

    def blocks(self, ends: np.ndarray | int, size: int) -> np.ndarray:
        """Sum of rows [end - size, end) for each end (clipped at 0)."""
        ends = np.asarray(ends)
        return self.cum[ends] - self.cum[np.maximum(ends - size, 0)]


def block_similarity(src: BlockSums, tgt: BlockSums, i: int, js: np.ndarray,
                     shapes: Sequence[tuple[int, int]], *, cosine: bool) -> np.ndarray:
    """(len(shapes), len(js)) dot products (or cosines) of source block [i-a, i) with target
    blocks [j-b, j); zero for deletion shapes."""
    out = np.zeros((len(shapes), len(js)))
    a_sizes = sorted({a for a, b in shapes if a and b})
    if not a_sizes:
        return out
    src_blocks = np.stack([src.blocks(i, a) for a in a_sizes])  # (A, d)
    if cosine:
        src_blocks /= np.maximum(np.linalg.norm(src_blocks, axis=1, keepdims=True), 1e-9)
    row_of = {a: r for r, a in enumerate(a_sizes)}
    for b in sorted({b for a, b in shapes if a and b}):
        tgt_blocks = tgt.blocks(js, b)  # (W, d)
        if cosine:
            tgt_blocks /= np.maximum(np.linalg.norm(tgt_blocks, axis=1, keepdims=True), 1e-9)
        dots = src_blocks @ tgt_blocks.T
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
