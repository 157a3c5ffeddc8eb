"""Hash-based splits: an entry's split depends on its content only, never its position.

The hash is the sha256 of the entry's near-duplicate key (tab-joined for pairs), so
identical (and near-identical) content always lands in the same split.
  * fractions ({train: 0.9, dev: 0.05, test: 0.05}): the first 64 bits of the hash as a
    number in [0, 1) fall into consecutive intervals in the order the splits are listed;
    an entry keeps its split when other data is added or removed.
  * fixed sizes ({test: 500, dev: 500, train: rest}): entries ordered by hash, the listed
    splits take their sizes from the front in order, 'rest' takes the remainder.
"""

from __future__ import annotations

import hashlib
from typing import Sequence

from lrtk.corpus.config import REST
from lrtk.corpus.dedup import fold_all
from lrtk.corpus.sources import Entry
from lrtk.errors import UsageError

SPLIT_RULE = ("sha256 of the near-duplicate key (tab-joined for pairs); fractions: first 64 "
              "bits as a number in [0, 1) against consecutive intervals in listed order; "
              "fixed sizes: entries ordered by hash, listed splits filled from the front, "
              "'rest' takes the remainder")


def content_hash(entry: Entry) -> str:
    return hashlib.sha256(fold_all(entry.texts).encode("utf-8")).hexdigest()


def assign_splits(entries: Sequence[Entry], spec: dict) -> dict[str, list[Entry]]:
    """Split name -> entries, each list in input order."""
    hashes = [content_hash(e) for e in entries]
    sizes = {k: v for k, v in spec.items() if v != REST}
    # Without 'rest' the fractions sum to 1 (checked on load); the last split then also takes
    # the sliver that floating-point rounding leaves below 1.
    rest = next((k for k, v in spec.items() if v == REST), list(spec)[-1])
    split_of = [rest] * len(entries)
    if all(isinstance(v, float) for v in sizes.values()):
        bounds, upper = [], 0.0
        for name, frac in sizes.items():
            upper += frac
            bounds.append((upper, name))
        for i, h in enumerate(hashes):
            u = int(h[:16], 16) / 2 ** 64
            split_of[i] = next((name for up, name in bounds if u < up), rest)
    else:
        wanted = sum(sizes.values())
        if wanted > len(entries):
            raise UsageError(f"splits ask for {wanted} fixed entries but only {len(entries)} "
                             "remain after deduplication and decontamination",
                             hint="lower the split sizes or use fractions")
        order = sorted(range(len(entries)), key=lambda i: (hashes[i], entries[i].id))
        start = 0
        for name, size in sizes.items():
            for i in order[start:start + size]:
                split_of[i] = name
            start += size
    out: dict[str, list[Entry]] = {name: [] for name in spec}
    for entry, name in zip(entries, split_of):
        out[name].append(entry)
    return out
