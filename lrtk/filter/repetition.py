"""Repetition: the same chunk repeated back to back ('ha ha ha ha', '!!!!!!!!', boilerplate)."""

from __future__ import annotations

import dataclasses
import functools
from typing import Sequence

import numpy as np
import regex

from lrtk.filter.base import Filter, Pair, Scores

# A unit of 2-40 characters starting with a non-space, followed directly by copies of itself.
_REPEAT = regex.compile(r"(\S.{1,39}?)\1+")
MIN_UNIT, MAX_UNIT = 2, 40
_BOUNDARY = 0x110000  # above every code point: a text boundary equals nothing


def max_repeats(text: str) -> int:
    """How many times the most repeated unit occurs back to back (1 when nothing repeats).

    The definition; `max_repeats_all` computes the same for many texts much faster."""
    return max((len(m.group()) // len(m.group(1)) for m in _REPEAT.finditer(text)), default=1)


# Texts go through the array operations in groups of about this many characters, and a
# text with more repeats than MAX_WALK (a long run of one character has one per position and
# unit length) goes to the regex, which takes such a run in one match: memory stays bounded
# (at most 39 x 3 x CHUNK_CHARS numbers) whatever the input.
CHUNK_CHARS = 100_000
MAX_WALK = 200


def max_repeats_all(texts: Sequence[str]) -> list[int]:
    """max_repeats of every text.

    The regex tries 39 unit lengths at every position (the slowest rule filter). Here array
    operations over many texts at once find every (position p, unit length L) where
    text[p:p+L] == text[p+L:p+2L], which every match has; only texts with such a repeat are
    looked at further, by walking them as the regex would (`_walk`).
    """
    out = [1] * len(texts)
    chunk: list[int] = []
    size = 0
    for i in [*range(len(texts)), None]:
        if i is not None and len(texts[i]) > CHUNK_CHARS:
            out[i] = max_repeats(texts[i])
            continue
        if chunk and (i is None or size + len(texts[i]) > CHUNK_CHARS):
            for n, repeats in _repeats([texts[j] for j in chunk]).items():
                j = chunk[n]
                out[j] = _walk(texts[j], repeats) if repeats else max_repeats(texts[j])
            chunk, size = [], 0
        if i is not None:
            chunk.append(i)
            size += len(texts[i])
    return out


def _repeats(texts: Sequence[str]) -> dict[int, list[tuple[int, int]]]:
    """Text index -> its (p, L) with text[p:p+L] == text[p+L:p+2L], sorted by p, then L;
    an empty list for a text with more than MAX_WALK of them."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    codes = np.frombuffer("\n".join(texts).encode("utf-32-le", "surrogatepass") + bytes(4),
                          dtype="<u4").copy()
    starts = np.cumsum(lengths + 1) - lengths - 1  # of each text in `codes`
    # A unique value after each text: comparisons that reach it are false, so no run of
    # equal comparisons below crosses from one text into the next.
    codes[starts + lengths] = _BOUNDARY + np.arange(len(texts), dtype=np.uint32)
    owner = np.repeat(np.arange(len(texts)), lengths + 1)
    found = []
    for unit in range(MIN_UNIT, MAX_UNIT + 1):
        if len(codes) < 2 * unit:
            break
        # Positions p with codes[p] == codes[p + unit] (few), then those starting `unit`
        # such positions in a row.
        same = np.flatnonzero(codes[:-unit] == codes[unit:])
        first = same[:max(0, len(same) - unit + 1)]
        at = first[same[unit - 1:] - first == unit - 1]
        found.append(np.stack([owner[at], at - starts[owner[at]], np.full(len(at), unit)]))
    if not found:  # too short to repeat anything
        return {}
    hits = np.concatenate(found, axis=1)
    many = np.bincount(hits[0], minlength=len(texts)) > MAX_WALK
    out: dict[int, list[tuple[int, int]]] = {int(i): [] for i in np.flatnonzero(many)}
    hits = hits[:, ~many[hits[0]]]
    hits = hits[:, np.lexsort(hits[::-1])]  # by text, then p, then L
    for i, p, unit in hits.T.tolist():
        out.setdefault(i, []).append((p, unit))
    return out


def _walk(text: str, repeats: list[tuple[int, int]]) -> int:
    """max_repeats(text) from its repeats: finditer's scan, left to right without overlap;
    at a position the shortest unit that the regex accepts (a non-space first, no line
    break) wins and takes all its copies."""
    best, pos = 1, 0
    for p, unit in repeats:
        if p < pos or not _unit_ok(text[p:p + unit]):
            continue
        piece, n = text[p:p + unit], 2
        while text[p + n * unit:p + (n + 1) * unit] == piece:
            n += 1
        best, pos = max(best, n), p + n * unit
    return best


@functools.lru_cache(maxsize=65536)
def _unit_ok(piece: str) -> bool:
    return _UNIT.fullmatch(piece) is not None


_UNIT = regex.compile(r"\S.{1,39}")  # what the regex's group may hold


@dataclasses.dataclass
class RepetitionFilter(Filter):
    """No unit repeated back to back more than `max_repeats` times on either side."""

    name = "repetition"
    max_repeats: int = 3

    def score_all(self, pairs: Sequence[Pair]) -> list[Scores]:
        counts = max_repeats_all([p.src for p in pairs] + [p.tgt for p in pairs])
        return [{"src": s, "tgt": t} for s, t in zip(counts, counts[len(pairs):])]

    def score(self, pair: Pair) -> Scores:
        return self.score_all([pair])[0]

    def keep(self, scores: Scores) -> bool:
        return max(scores.values()) <= self.max_repeats
