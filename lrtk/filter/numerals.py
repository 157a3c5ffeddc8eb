"""Numerals agreement: the numbers on both sides must match, whatever digit set writes them."""

from __future__ import annotations

import collections
import dataclasses
import unicodedata

import regex

from lrtk.filter.base import Filter, Pair, Scores

# \p{Nd} covers every decimal digit set (ASCII, Bengali ০-৯, Devanagari ०-९, Arabic-Indic ...).
_NUMBER = regex.compile(r"\p{Nd}+")


def numbers(text: str) -> collections.Counter:
    """The numbers of `text` as ASCII digit strings, so '১৪' and '14' compare equal."""
    return collections.Counter(
        "".join(str(unicodedata.digit(c)) for c in m.group()).lstrip("0") or "0"
        for m in _NUMBER.finditer(text))


@dataclasses.dataclass
class NumeralFilter(Filter):
    """Share of numbers found on both sides (multiset Jaccard) at least `min_agreement`.

    A pair without any number scores 1.0. Misaligned neighbours usually carry different
    dates, doses or counts, which this catches cheaply.
    """

    name = "numerals"
    min_agreement: float = 0.5

    def score(self, pair: Pair) -> Scores:
        a, b = numbers(pair.src), numbers(pair.tgt)
        union = sum((a | b).values())
        return {"agreement": sum((a & b).values()) / union if union else 1.0}

    def keep(self, scores: Scores) -> bool:
        return scores["agreement"] >= self.min_agreement
