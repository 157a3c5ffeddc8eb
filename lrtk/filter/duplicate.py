"""Exact duplicate pairs: the first occurrence is kept, every later copy rejected."""

from __future__ import annotations

import dataclasses
from typing import Sequence

from lrtk.filter.base import Filter, Pair, Scores


@dataclasses.dataclass
class DuplicateFilter(Filter):
    """Scores 1.0 for a pair seen earlier in the input (whitespace-trimmed), else 0.0.

    Near-duplicates (case, punctuation, digits) are removed later by `lrtk corpus build`,
    which also removes overlap with evaluation sets; here only exact repeats count.
    """

    name = "duplicate"

    def score_all(self, pairs: Sequence[Pair]) -> list[Scores]:
        seen: set[tuple[str, str]] = set()
        out = []
        for p in pairs:
            key = (p.src.strip(), p.tgt.strip())
            out.append({"seen": 1.0 if key in seen else 0.0})
            seen.add(key)
        return out

    def keep(self, scores: Scores) -> bool:
        return scores["seen"] == 0.0
