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
    # Each distinct feature is hashed once; the per-feature work left in Python is one id
    # lookup, the rest runs in numpy over the ids.
    ids: dict[str, int] = {}
    feature_ids = [ids.setdefault(f, len(ids)) for bag in bags for f in bag]
    if not feature_ids:
        return out
    slot_sign = np.array([feature_slot(f, dim) for f in ids]).reshape(-1, 2)
    slot = slot_sign[:, 0].astype(np.int64)
    sign = slot_sign[:, 1].astype(np.float32)
    feature_ids = np.array(feature_ids, dtype=np.int64)
    rows = np.repeat(np.arange(len(bags), dtype=np.int64) * dim, [len(bag) for bag in bags])
    # Counts of +-1 are exact in float32 whatever the order: one unbuffered add for all.
    np.add.at(out.reshape(-1), rows + slot[feature_ids], sign[feature_ids])
    return out
