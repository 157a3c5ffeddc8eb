"""Gold-standard scoring of sentence alignments, as vecalign and Bleualign score Text+Berg.

Strict: a predicted bead counts only if the gold alignment has exactly that bead. Lax: it
counts if it shares at least one source sentence with a gold bead and at least one target
sentence that the gold aligns to that source sentence. Precision is over all predicted beads
(deletions included); recall over gold beads with both sides non-empty, scored against the
predicted beads with both sides non-empty. Counts are summed over documents before dividing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from lrtk.align.beads import Bead


@dataclass
class Counts:
    strict: int = 0
    lax: int = 0
    total: int = 0

    def add(self, other: "Counts") -> None:
        self.strict += other.strict
        self.lax += other.lax
        self.total += other.total


def _hits(reference: Iterable[Bead], proposed: Iterable[Bead]) -> Counts:
    """How many `proposed` beads are found in `reference`, strictly and laxly."""
    ref = {b for b in reference if b.src or b.tgt}
    links: dict[int, set[int]] = defaultdict(set)
    for bead in ref:
        for s in bead.src:
            links[s].update(bead.tgt)
    counts = Counts()
    for bead in {b for b in proposed if b.src or b.tgt}:
        counts.total += 1
        if bead in ref:
            counts.strict += 1
            counts.lax += 1
        elif any(t in links[s] for s in bead.src for t in bead.tgt):
            counts.lax += 1
    return counts


@dataclass(frozen=True)
class AlignmentScore:
    strict_p: float
    strict_r: float
    strict_f1: float
    lax_p: float
    lax_r: float
    lax_f1: float

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 4) for k, v in self.__dict__.items()}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score_alignments(gold: Sequence[Sequence[Bead]], pred: Sequence[Sequence[Bead]]) -> AlignmentScore:
    """Score predicted against gold alignments, one list of beads per document."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold documents but {len(pred)} predicted")
    prec, rec = Counts(), Counts()
    for g, p in zip(gold, pred):
        prec.add(_hits(g, p))
        rec.add(_hits([b for b in p if b.src and b.tgt], [b for b in g if b.src and b.tgt]))
    sp = prec.strict / prec.total if prec.total else 0.0
    lp = prec.lax / prec.total if prec.total else 0.0
    sr = rec.strict / rec.total if rec.total else 0.0
    lr = rec.lax / rec.total if rec.total else 0.0
    return AlignmentScore(sp, sr, _f1(sp, sr), lp, lr, _f1(lp, lr))
