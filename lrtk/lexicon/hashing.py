"""Feature hashing: bags of string features as fixed-width signed count vectors.

Signed hashing keeps dot products unbiased (collisions cancel on average), so the dot product
of two bags approximates the number of features they share without a vocabulary.
"""

from __future__ import annotations

import zlib
from typing import Sequence

import numpy as np


def feature_slot(feature: str, dim: int) -> tuple[int, float]:
    """Stable hash (not Python's salted hash()) -> (index, +1 or -1)."""
    h = zlib.crc32(feature.encode("utf-8"))
    return h % dim, (1.0 if (h // dim) & 1 else -1.0)


def hash_bags(bags: Sequence[Sequence[str]], dim: int) -> np.ndarray:
    """(len(bags), dim) float32 signed counts."""
    out = np.zeros((len(bags), dim), dtype=np.float32)
    slots: dict[str, tuple[int, float]] = {}
    cells: list[int] = []
    signs: list[float] = []
    for row, bag in enumerate(bags):
        base = row * dim
        for feature in bag:
            slot = slots.get(feature)
            if slot is None:
                slot = slots[feature] = feature_slot(feature, dim)
            cells.append(base + slot[0])
            signs.append(slot[1])
    # Counts of +-1 are exact in float32 whatever the order: one unbuffered add for all.
    np.add.at(out.reshape(-1), np.array(cells, dtype=np.int64), np.array(signs, dtype=np.float32))
    return out
