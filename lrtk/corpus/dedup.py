"""Duplicate keys: exact (normalised text) and near (case, punctuation and digits folded)."""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

import regex

from lrtk.corpus.sources import Entry

_PUNCT_SYMBOL = regex.compile(r"[\p{P}\p{S}]+")
_DIGITS = regex.compile(r"\p{Nd}+")
_SPACE = regex.compile(r"\s+")

NEAR_DUPLICATE_RULE = ("casefold, punctuation and symbols removed, every digit run (any "
                       "script) replaced by 0, white space collapsed")


def fold(text: str) -> str:
    """The near-duplicate key of a normalised text (see NEAR_DUPLICATE_RULE)."""
    text = _PUNCT_SYMBOL.sub(" ", text.casefold())
    text = _DIGITS.sub("0", text)
    return _SPACE.sub(" ", text).strip()


def fold_all(texts: Sequence[str]) -> str:
    return "\t".join(fold(t) for t in texts)


def unique(entries: Iterable[Entry], key) -> Iterator[Entry]:
    """Entries whose key was not seen before: the first occurrence wins."""
    seen: set[str] = set()
    for e in entries:
        k = key(e)
        if k not in seen:
            seen.add(k)
            yield e
