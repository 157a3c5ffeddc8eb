"""Duplicate keys: exact (normalised text) and near (case, punctuation and digits folded),
and deduplication of one bucket of keyed entries (lrtk.corpus.partition)."""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

import regex

_PUNCT_SYMBOL = regex.compile(r"[\p{P}\p{S}]+")
_DIGITS = regex.compile(r"\p{Nd}+")
_SPACE = regex.compile(r"\s+")

NEAR_DUPLICATE_RULE = ("casefold, punctuation and symbols removed, every digit run (any "
                       "script) replaced by 0, white space collapsed")
# What each step of a pipeline counts (the card's 'counts'), in order.
STEPS = ("read", "normalised", "exact_dedup", "near_dedup", "decontaminated")


def fold_words(text: str) -> str:
    """The words of a text: casefold, punctuation and symbols removed, white space collapsed
    ("Of course!" and "of  course." give "of course")."""
    return _SPACE.sub(" ", _PUNCT_SYMBOL.sub(" ", text.casefold())).strip()


def fold(text: str) -> str:
    """The near-duplicate key of a normalised text (see NEAR_DUPLICATE_RULE)."""
    return _DIGITS.sub("0", fold_words(text))


def fold_all(texts: Sequence[str]) -> str:
    return "\t".join(fold(t) for t in texts)


def first_occurrences(lines: Iterable[str], counts: Sequence[dict]) -> Iterator[str]:
    """The keyed entries of one bucket (in input order) that survive deduplication.

    Each line starts `position, pipeline, group, exact key, near key, contaminated` (tab
    separated). Within a pipeline (all pair sources; each monolingual source) an entry goes
    if an earlier one has its exact key, then if one has its near key, then if it is
    contaminated; what is left goes if an earlier survivor of its group (pairs; the
    monolingual sources of one language) has its near key. Every duplicate of an entry has its
    near key, so the whole decision is in the entry's bucket. `counts[pipeline]` gets what
    is left after each step.
    """
    exact_seen, near_seen, group_seen = set(), set(), set()
    for line in lines:
        _, pipe, group, exact, near, contaminated, _ = line.split("\t", 6)
        if (pipe, exact) in exact_seen:
            continue
        exact_seen.add((pipe, exact))
        step = counts[int(pipe)]
        step["exact_dedup"] += 1
        if (pipe, near) in near_seen:
            continue
        near_seen.add((pipe, near))
        step["near_dedup"] += 1
        if contaminated == "1":
            continue
        step["decontaminated"] += 1
        if (group, near) not in group_seen:
            group_seen.add((group, near))
            yield line
