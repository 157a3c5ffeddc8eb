"""Repetition: the same chunk repeated back to back ('ha ha ha ha', '!!!!!!!!', boilerplate)."""

from __future__ import annotations

import dataclasses

import regex

from lrtk.filter.base import Filter, Pair, Scores

# A unit of 2-40 characters starting with a non-space, followed directly by copies of itself.
_REPEAT = regex.compile(r"(\S.{1,39}?)\1+")


def max_repeats(text: str) -> int:
    """How many times the most repeated unit occurs back to back (1 when nothing repeats)."""
    return max((len(m.group()) // len(m.group(1)) for m in _REPEAT.finditer(text)), default=1)


@dataclasses.dataclass
class RepetitionFilter(Filter):
    """No unit repeated back to back more than `max_repeats` times on either side."""

    name = "repetition"
    max_repeats: int = 3

    def score(self, pair: Pair) -> Scores:
        return {"src": max_repeats(pair.src), "tgt": max_repeats(pair.tgt)}

    def keep(self, scores: Scores) -> bool:
        return max(scores.values()) <= self.max_repeats
