"""A seeded permutation of [0, n) that is computed a window at a time, never held whole.

`numpy.random.Generator.permutation(n)` is a Fisher-Yates shuffle: its i-th element exists
only once the whole array (8 bytes an example) is shuffled. Here position i maps to its
element by a keyed Feistel network on the smallest domain of 4^h >= n values (a bijection
on that domain whatever the round function), and an element that falls outside [0, n) is
mapped again until it falls inside ("cycle walking"): the walk stays on the cycle of the
start, which holds at least that start, so it ends and the result is a bijection on [0, n).
A domain under 4n leaves on average under four steps of walking.
"""

from __future__ import annotations

import numpy as np

# Luby-Rackoff: four rounds of a pseudo-random function make a pseudo-random permutation;
# two more cost little and keep neighbouring positions from sharing any structure.
ROUNDS = 6
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every output bit depends on every input bit."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


class WindowedPermutation:
    """The bijection of [0, n) drawn from `rng`; `window(start, count)` gives the elements
    at positions start .. start + count - 1 (fewer at the end) as an int64 array."""

    def __init__(self, n: int, rng: np.random.Generator):
        if n <= 0:
            raise ValueError(f"a permutation needs n >= 1, got {n}")
        self.n = n
        half = max(1, ((n - 1).bit_length() + 1) // 2)
        self._half = np.uint64(half)
        self._mask = np.uint64((1 << half) - 1)
        self._keys = rng.integers(0, 2**64, size=ROUNDS, dtype=np.uint64)

    def _feistel(self, x: np.ndarray) -> np.ndarray:
        left, right = x >> self._half, x & self._mask
        for key in self._keys:
            left, right = right, left ^ (_mix(right ^ key) & self._mask)
        return (left << self._half) | right

    def window(self, start: int, count: int) -> np.ndarray:
        out = self._feistel(np.arange(start, min(start + count, self.n), dtype=np.uint64))
        outside = np.flatnonzero(out >= self.n)
        while outside.size:
            out[outside] = self._feistel(out[outside])
            outside = outside[out[outside] >= self.n]
        return out.astype(np.int64)


class WholePermutation:
    """numpy's `permutation(n)`, held whole (8 bytes an example): the draw order of sampler
    state version 1, kept so that a run saved in that order resumes in it."""

    def __init__(self, n: int, rng: np.random.Generator):
        self._order = rng.permutation(n)

    def window(self, start: int, count: int) -> np.ndarray:
        return self._order[start:start + count]
