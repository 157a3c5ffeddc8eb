"""Combining aligners by votes.

Every bead any aligner proposes is a candidate with one vote per aligner that proposed it.
Candidates with fewer than `min_votes` votes are dropped; among the rest the ensemble keeps
the monotone, non-overlapping set with the most votes per sentence covered (a heaviest-chain
search over the candidates, deletions included), so the output is always a valid alignment. min_votes = 1 is
the union preset (any aligner may fill a gap the others leave), min_votes = number of
aligners the intersection preset (only beads all agree on). A deletion (1-0 or 0-1 bead)
needs one vote more than a link, up to all aligners: see `combine`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from lrtk.align.beads import Bead
from lrtk.align.document import ScoredBead

PRESETS = ("union", "majority", "intersection")
TIE_BREAK = 1e-3  # among equal vote counts, prefer the beads of earlier-listed aligners


@dataclass
class VotedBead:
    bead: Bead
    costs: dict[str, float] = field(default_factory=dict)  # aligner name -> its cost
    at: tuple[int, int] = (0, 0)  # (source, target) start; places deletions in the chain

    @property
    def votes(self) -> int:
        return len(self.costs)

    @property
    def end(self) -> tuple[int, int]:
        return self.at[0] + len(self.bead.src), self.at[1] + len(self.bead.tgt)


def resolve_min_votes(preset: str | None, min_votes: int | None, n_aligners: int) -> int:
    """--combine union|majority|intersection or --min-votes k, as a number in 1..n."""
    if min_votes is not None:
        return max(1, min(min_votes, n_aligners))
    if preset == "union":
        return 1
    if preset == "intersection":
        return n_aligners
    return n_aligners // 2 + 1


class _MaxTree:
    """Fenwick tree of prefix maxima over positions 0..size: (value, item) pairs."""

    def __init__(self, size: int):
        self.tree: list[tuple[float, int]] = [(0.0, -1)] * (size + 2)

    def update(self, pos: int, entry: tuple[float, int]) -> None:
        pos += 1
        while pos < len(self.tree):
            if entry > self.tree[pos]:
                self.tree[pos] = entry
            pos += pos & -pos

    def query(self, pos: int) -> tuple[float, int]:
        """Best entry at positions <= pos."""
        best = (0.0, -1)
        pos += 1
        while pos > 0:
            if self.tree[pos] > best:
                best = self.tree[pos]
            pos -= pos & -pos
        return best


def _best_chain(cands: Sequence[VotedBead], weights: Sequence[float], n_tgt: int) -> list[int]:
    """Indices of the heaviest chain of candidates that is monotone and non-overlapping on
    both sides. A candidate spans [start, end) on each side; deletions are empty on one."""
    order = sorted(range(len(cands)), key=lambda k: (cands[k].at, cands[k].end))
    by_end = sorted(order, key=lambda k: cands[k].end[0])
    tree = _MaxTree(n_tgt + 1)
    score = [0.0] * len(cands)
    prev = [-1] * len(cands)
    done = [False] * len(cands)
    inserted = 0
    for k in order:
        src_start, tgt_start = cands[k].at
        # Candidates ending where this one starts (or before) become possible predecessors;
        # those not yet scored are inserted when they are (below).
        while inserted < len(by_end) and cands[by_end[inserted]].end[0] <= src_start:
            e = by_end[inserted]
            if done[e]:
                tree.update(cands[e].end[1], (score[e], e))
            inserted += 1
        best, before = tree.query(tgt_start)
        score[k] = best + weights[k]
        prev[k] = before
        done[k] = True
        if cands[k].end[0] <= src_start:  # empty on the source side: a predecessor at once
            tree.update(cands[k].end[1], (score[k], k))
    if not cands:
        return []
    k = max(range(len(cands)), key=lambda x: (score[x], -x))
    chain = []
    while k != -1:
        chain.append(k)
        k = prev[k]
    return chain[::-1]


def combine(alignments: Mapping[str, Sequence[ScoredBead]], min_votes: int,
            n_tgt: int) -> list[VotedBead]:
    """The ensemble alignment of one document; `alignments` in order of trust. Each sentence
    a bead covers earns it the bead's votes, so the chain neither prefers many small beads
    nor few large ones for their own sake."""
    pool: dict[Bead, VotedBead] = {}
    rank = {name: r for r, name in enumerate(alignments)}
    for name, beads in alignments.items():
        for sb in beads:
            voted = pool.setdefault(sb.bead, VotedBead(sb.bead, at=sb.at))
            voted.costs[name] = sb.cost
            voted.at = min(voted.at, sb.at)
    # A deletion is what an aligner falls back to where no link is cheaper: it says nothing
    # matched, not that the sentence has no counterpart, so agreeing on one is weaker
    # evidence than agreeing on a link. A deletion needs one vote more (all aligners at most).
    deletion_votes = min(min_votes + 1, len(alignments))
    kept = sorted((v for v in pool.values()
                   if v.votes >= (min_votes if v.bead.src and v.bead.tgt else deletion_votes)),
                  key=lambda v: (v.at, v.end))
    weights = [(len(v.bead.src) + len(v.bead.tgt))
               * (v.votes + TIE_BREAK * sum(len(rank) - rank[a] for a in v.costs)) for v in kept]
    return [kept[k] for k in _best_chain(kept, weights, n_tgt)]
