"""Exact duplicate pairs: the first occurrence is kept, every later copy rejected."""

from __future__ import annotations

import dataclasses
from typing import Sequence

from lrtk.filter.base import Block, Filter, Pair, Scores
from lrtk.parallel.keys import SeenKeys, digest


def pair_key(pair: Pair) -> int:
    """What makes two pairs the same: both sides, whitespace-trimmed (as a 64-bit digest)."""
    return digest(pair.src.strip(), pair.tgt.strip())


@dataclasses.dataclass
class DuplicateFilter(Filter):
    """Scores 1.0 for a pair seen earlier in the input (whitespace-trimmed), else 0.0.

    Keys are compared as 64-bit digests (lrtk.parallel.keys). Near-duplicates (case, punctuation, digits) are removed later by `lrtk corpus build`,
    which also removes overlap with evaluation sets; here only exact repeats count.
    """

    name = "duplicate"

    def score_all(self, pairs: Sequence[Pair]) -> list[Scores]:
        return [{"seen": float(s)} for s in SeenKeys().check_add(map(pair_key, pairs))]

    def score_block(self, block: Block, alive: Sequence[int]) -> list[Scores]:
        # "Earlier in the input" reaches beyond the block: the runner tracks it (Block.seen).
        return [{"seen": float(block.seen[i])} for i in alive]

    def keep(self, scores: Scores) -> bool:
        return scores["seen"] == 0.0
