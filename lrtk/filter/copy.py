"""Untranslated copies: the target repeats the source instead of translating it."""

from __future__ import annotations

import dataclasses

import regex

from lrtk.filter.base import Filter, Pair, Scores

# Words of letters only: digits and names in numbers legitimately survive translation.
_WORD = regex.compile(r"[\p{L}\p{M}]+")


def _words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


@dataclasses.dataclass
class CopyFilter(Filter):
    """Share of one side's words that also occur on the other side at most `max_overlap`.

    The larger of the two directions counts, so a target that copies the source and adds a
    few words is caught as well as an exact copy.
    """

    name = "copy"
    max_overlap: float = 0.8

    def score(self, pair: Pair) -> Scores:
        a, b = _words(pair.src), _words(pair.tgt)
        if not a or not b:
            return {"overlap": 1.0 if pair.src.strip() == pair.tgt.strip() else 0.0}
        shared = len(a & b)
        return {"overlap": max(shared / len(a), shared / len(b))}

    def keep(self, scores: Scores) -> bool:
        return scores["overlap"] <= self.max_overlap
