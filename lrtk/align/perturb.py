"""Gold alignments for evaluation: a side of a parallel document with sentences merged and
dropped, and the beads that map the untouched side onto it (what tests and benchmarks score
the aligners against)."""

from __future__ import annotations

import random
from typing import Sequence

from lrtk.align.beads import Bead

MERGE_SHARE = 0.10
DROP_SHARE = 0.05


def merge_and_drop(sents: Sequence[str], rng: random.Random) -> tuple[list[str], list[Bead]]:
    """Merge 10% of neighbouring sentences and drop 5%. Returns the perturbed sentences and
    the gold beads from the original side (index i) to the perturbed one: a dropped sentence
    is a 1-0 bead, a merged pair a 2-1 bead."""
    out: list[str] = []
    gold: list[Bead] = []
    i = 0
    while i < len(sents):
        r = rng.random()
        if r < DROP_SHARE:
            gold.append(Bead((i,), ()))
            i += 1
        elif r < DROP_SHARE + MERGE_SHARE and i + 1 < len(sents):
            gold.append(Bead((i, i + 1), (len(out),)))
            out.append(sents[i] + " " + sents[i + 1])
            i += 2
        else:
            gold.append(Bead((i,), (len(out),)))
            out.append(sents[i])
            i += 1
    return out, gold
