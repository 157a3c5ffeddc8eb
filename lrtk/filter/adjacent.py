"""Shifted-by-one detection: does a pair's target belong to the pair next to it?

Pairs that come out of sentence alignment keep document order, and the commonest alignment
error is an off-by-one: the target is the translation of the next (or previous) source.
Comparing every pair with its two neighbours in input order catches it directly.

For pair i with similarity s(i, i), the competitors are s(j, i) (a neighbour's source explains
this target) and s(i, j) (this source explains a neighbour's target), j = i - 1, i + 1. The
second is skipped when the neighbour has the same source: that is an alternative reference of
the same sentence (Tatoeba and FLORES list them back to back), not a misalignment.

Neighbours are the records next to the pair in the input, whether or not an earlier filter
rejected them: the evidence of a shift is the same, and it makes the check exact when the
input is cut into blocks or shards (one record of overlap on each side is all it needs).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np

from lrtk.filter.base import Pair

# (source index, target index) pairs of a window -> their similarities.
PairwiseSimilarity = Callable[[Sequence[int], Sequence[int]], np.ndarray]


def best_neighbour(window: Sequence[Optional[Pair]], positions: Sequence[int],
                   similarity: PairwiseSimilarity) -> np.ndarray:
    """The best competing similarity from a neighbour of each window[p], p in `positions`.

    `window` holds the pairs in input order, None where the input ends.
    """
    src_idx, tgt_idx, owner = [], [], []
    for n, a in enumerate(positions):
        for b in (a - 1, a + 1):
            if 0 <= b < len(window) and window[b] is not None:
                src_idx.append(b), tgt_idx.append(a), owner.append(n)
                if window[b].src != window[a].src:
                    src_idx.append(a), tgt_idx.append(b), owner.append(n)
    best = np.zeros(len(positions))
    if owner:
        np.maximum.at(best, np.asarray(owner), similarity(src_idx, tgt_idx))
    return best
