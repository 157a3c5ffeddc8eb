"""Feature hashing: bags of string features as fixed-width signed count vectors.

Signed hashing keeps dot products unbiased (collisions cancel on average), so the dot product
of two bags approximates the number of features they share without a vocabulary.
"""

from __future__ import annotations

import zlib
from typing import Callable, Sequence

import numpy as np


def feature_slot(feature: str, dim: int) -> tuple[int, float]:
    """Stable hash (not Python's salted hash()) -> (index, +1 or -1)."""
    h = zlib.crc32(feature.encode("utf-8"))
    return h % dim, (1.0 if (h // dim) & 1 else -1.0)


def key_ids(bags: Sequence[Sequence[str]]) -> tuple[dict[str, int], np.ndarray]:
    """Every key of every bag as the id of its first sighting ({key: id}, int64 ids in bag
    order): what is computed per key is then computed once per distinct key."""
    ids: dict[str, int] = {}
    return ids, np.array([ids.setdefault(k, len(ids)) for bag in bags for k in bag], dtype=np.int64)


def runs(bags: Sequence[Sequence[str]], occurrences: np.ndarray, lengths: np.ndarray,
         dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Key k owns lengths[k] consecutive features of a flat array (in key order). For every
    feature of every key occurrence (`occurrences` from key_ids, in bag order): its index in
    that flat array, and where its bag's row starts in a flat (len(bags), dim) array."""
    sizes = lengths[occurrences]
    starts = np.cumsum(lengths)[occurrences] - sizes  # each occurrence's run in the flat array...
    placed = np.cumsum(sizes) - sizes  # ...and where its features go in the output
    feature = np.repeat(starts - placed, sizes) + np.arange(int(sizes.sum()), dtype=np.int64)
    rows = np.repeat(np.arange(len(bags), dtype=np.int64) * dim, [len(bag) for bag in bags])
    return feature, np.repeat(rows, sizes)


def hash_bags(bags: Sequence[Sequence[str]], dim: int,
              expand: Callable[[str], Sequence[str]] | None = None) -> np.ndarray:
    """(len(bags), dim) float32 signed counts of the bags' features. With `expand`, a bag
    holds keys and each key stands for the features expand(key) (called once per distinct
    key): a word for its dictionary translations."""
    out = np.zeros((len(bags), dim), dtype=np.float32)
    ids, occurrences = key_ids(bags)
    if not ids:
        return out
    features = [expand(k) if expand is not None else (k,) for k in ids]
    slot_sign = np.array([feature_slot(f, dim) for fs in features for f in fs]).reshape(-1, 2)
    slot = slot_sign[:, 0].astype(np.int64)
    sign = slot_sign[:, 1].astype(np.float32)
    lengths = np.array([len(fs) for fs in features], dtype=np.int64)
    feature, rows = runs(bags, occurrences, lengths, dim)
    # Counts of +-1 are exact in float32 whatever the order: one unbuffered add for all.
    np.add.at(out.reshape(-1), rows + slot[feature], sign[feature])
    return out
