"""Shifted-by-one detection: does a pair's target belong to the pair next to it?

Pairs that come out of sentence alignment keep document order, and the commonest alignment
error is an off-by-one: the target is the translation of the next (or previous) source. The
batch margin only catches it when that neighbour happens to fall into the same shuffled batch;
comparing every pair with its two neighbours in input order catches it directly.

For pair i with similarity s(i, i), the competitors are s(j, i) (a neighbour's source explains
this target) and s(i, j) (this source explains a neighbour's target), j = i - 1, i + 1. The
second is skipped when the neighbour has the same source: that is an alternative reference of
the same sentence (Tatoeba and FLORES list them back to back), not a misalignment.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from lrtk.filter.base import Pair

Similarity = Callable[[Sequence[str], Sequence[str]], np.ndarray]


def best_neighbour(pairs: Sequence[Pair], similarity: Similarity,
                   chunk: int = 1000) -> np.ndarray:
    """The best competing similarity from a neighbour of every pair, in input order.

    Computed over overlapping windows of `chunk` pairs so memory stays chunk-sized.
    """
    n = len(pairs)
    neighbour = np.zeros(n)
    for start in range(0, n, chunk):
        lo, hi = max(0, start - 1), min(n, start + chunk + 1)
        window = pairs[lo:hi]
        sim = similarity([p.src for p in window], [p.tgt for p in window])
        for i in range(start, min(n, start + chunk)):
            a = i - lo
            best = 0.0
            for b in (a - 1, a + 1):
                if 0 <= b < len(window):
                    best = max(best, sim[b, a])
                    if window[b].src != window[a].src:
                        best = max(best, sim[a, b])
            neighbour[i] = best
    return neighbour
