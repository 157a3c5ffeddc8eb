"""Hash-based splits: an entry's split depends on its content only, never its position.

The hash is the sha256 of the entry's near-duplicate key (tab-joined for pairs), so
identical (and near-identical) content always lands in the same split.
  * fractions ({train: 0.9, dev: 0.05, test: 0.05}): the first 64 bits of the hash as a
    number in [0, 1) fall into consecutive intervals in the order the splits are listed;
    an entry keeps its split when other data is added or removed.
  * fixed sizes ({test: 500, dev: 500, train: rest}): entries ordered by hash, the listed
    splits take their sizes from the front in order, 'rest' takes the remainder.

Both stream: fractions decide entry by entry; fixed sizes need one pass that keeps the
smallest hashes (as many as the listed sizes ask for) before entries are assigned.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Iterable, Sequence

from lrtk.corpus.config import REST
from lrtk.corpus.dedup import fold_all
from lrtk.corpus.partition import split_hash
from lrtk.corpus.sources import Entry
from lrtk.errors import UsageError

SPLIT_RULE = ("sha256 of the near-duplicate key (tab-joined for pairs); fractions: first 64 "
              "bits as a number in [0, 1) against consecutive intervals in listed order; "
              "fixed sizes: entries ordered by hash, listed splits filled from the front, "
              "'rest' takes the remainder")


class Splits:
    """Which split an entry goes to, from its hash and (for fixed sizes) its position."""

    def __init__(self, spec: dict):
        self.names = list(spec)
        self._sizes = {k: v for k, v in spec.items() if v != REST}
        # Without 'rest' the fractions sum to 1 (checked on load); the last split then also
        # takes the sliver that floating-point rounding leaves below 1.
        self._rest = next((k for k, v in spec.items() if v == REST), list(spec)[-1])
        self.fixed = not all(isinstance(v, float) for v in self._sizes.values())
        self._bounds, upper = [], 0.0
        for name, frac in self._sizes.items() if not self.fixed else ():
            upper += frac
            self._bounds.append((upper, name))
        self._chosen: dict[int, str] = {}
        self._wanted = sum(self._sizes.values()) if self.fixed else 0
        self._smallest: list = []  # fixed sizes: the smallest candidates added so far
        self._seen = 0  # and how many entries they were chosen from

    def choose_fixed(self, keyed: Iterable[tuple[str, str, int]]) -> None:
        """Fixed sizes: take the listed splits' entries from every (hash, id, position) of
        the corpus (in input order); ties in hash and id keep input order."""
        self.add_candidates(self.candidates(keyed))
        self.choose_from_candidates()

    def candidates(self, keyed: Iterable[tuple[str, str, int]]) -> tuple[list, int]:
        """The (hash, id, position) items of `keyed` that fixed sizes may take, and how many
        items there were: the smallest of a part of the corpus (a bucket of the merge)."""
        seen = 0

        def counted():
            nonlocal seen
            for item in keyed:
                seen += 1
                yield item

        return heapq.nsmallest(self._wanted, counted()), seen

    def add_candidates(self, part: tuple[list, int]) -> None:
        """Fold in the candidates of one part (as they arrive, so that only the smallest of
        those so far are held): the smallest items of all are among the smallest of each
        part (positions differ, so there are no ties)."""
        items, seen = part
        self._smallest = heapq.nsmallest(self._wanted, itertools.chain(self._smallest, items))
        self._seen += seen

    def choose_from_candidates(self) -> None:
        """choose_fixed over the candidates of every part added."""
        if self._wanted > self._seen:
            raise UsageError(f"splits ask for {self._wanted} fixed entries but only "
                             f"{self._seen} remain after deduplication and decontamination",
                             hint="lower the split sizes or use fractions")
        start = 0
        for name, size in self._sizes.items():
            self._chosen.update((pos, name) for _, _, pos in self._smallest[start:start + size])
            start += size
        self._smallest = []  # chosen: the workers that write the splits need _chosen only

    def of(self, hash_hex: str, position: int) -> str:
        if self.fixed:
            return self._chosen.get(position, self._rest)
        u = int(hash_hex[:16], 16) / 2 ** 64
        return next((name for up, name in self._bounds if u < up), self._rest)


def content_hash(entry: Entry) -> str:
    return split_hash(fold_all(entry.texts))


def assign_splits(entries: Sequence[Entry], spec: dict) -> dict[str, list[Entry]]:
    """Split name -> entries, each list in input order (entries held in memory)."""
    splits = Splits(spec)
    hashes = [content_hash(e) for e in entries]
    if splits.fixed:
        splits.choose_fixed((h, e.id, i) for i, (h, e) in enumerate(zip(hashes, entries)))
    out: dict[str, list[Entry]] = {name: [] for name in spec}
    for i, (h, entry) in enumerate(zip(hashes, entries)):
        out[splits.of(h, i)].append(entry)
    return out
