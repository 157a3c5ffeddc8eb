"""Compact "seen before?" sets of 64-bit key digests, for deduplicating streams.

A Python set of the keys themselves (or of tuples of strings) costs hundreds of bytes per
record; 64-bit digests in a sorted numpy array cost 8. Two different keys share a digest with
probability about n^2 / 2^65 (3e-8 for a million records), which we accept: the price of a
collision is one wrongly dropped duplicate.
"""

from __future__ import annotations

import hashlib
from array import array
from typing import Iterable

import numpy as np

# New digests wait in a set until there are this many, then fold into the sorted array:
# folding costs a sort of everything seen, so it must be rare.
FOLD_EVERY = 65536


def digest(*parts: str) -> int:
    """64-bit digest of a tuple of strings (unambiguous: parts are joined with NUL)."""
    data = "\0".join(parts).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


class SeenKeys:
    """Digests seen so far; `check_add` answers "seen before?" for each, in order."""

    def __init__(self, initial: Iterable[int] = ()):
        self._sorted = np.unique(np.frombuffer(array("Q", initial), dtype=np.uint64))
        self._recent: set[int] = set()

    def __contains__(self, key: int) -> bool:
        if key in self._recent:
            return True
        i = int(np.searchsorted(self._sorted, np.uint64(key)))
        return i < len(self._sorted) and int(self._sorted[i]) == key

    def check_add(self, keys: Iterable[int]) -> list[bool]:
        out = []
        for key in keys:
            out.append(key in self)
            self._recent.add(key)
        if len(self._recent) >= FOLD_EVERY:
            fresh = np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent))
            self._sorted = np.union1d(self._sorted, fresh)
            self._recent = set()
        return out
