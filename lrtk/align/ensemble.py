"""Combining aligners by votes.

Every bead any aligner proposes is a candidate with one vote per aligner that proposed it.
Candidates with fewer than `min_votes` votes are dropped; among the rest the ensemble keeps
the monotone, non-overlapping set with the most votes per sentence covered (a longest-path
search over the candidates), so the output is always a valid alignment. min_votes = 1 is
the union preset (any aligner may fill a gap the others leave), min_votes = number of
aligners the intersection preset (only beads all agree on).
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

    @property
    def votes(self) -> int:
        return len(self.costs)


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
    """Indices of the heaviest chain of candidates (both sides non-empty) that is monotone and
    non-overlapping on both sides."""
    order = sorted(range(len(cands)), key=lambda k: (cands[k].bead.src[0], cands[k].bead.tgt[0]))
    by_end = sorted(order, key=lambda k: cands[k].bead.src[-1])
    tree = _MaxTree(n_tgt + 1)
    score = [0.0] * len(cands)
    prev = [-1] * len(cands)
    inserted = 0
    for k in order:
        start = cands[k].bead.src[0]
        # Candidates ending before this one starts on the source side become predecessors.
        while inserted < len(by_end) and cands[by_end[inserted]].bead.src[-1] < start:
            done = by_end[inserted]
            tree.update(cands[done].bead.tgt[-1] + 1, (score[done], done))
            inserted += 1
        best, before = tree.query(cands[k].bead.tgt[0])
        score[k] = best + weights[k]
        prev[k] = before
    if not cands:
        return []
    k = max(range(len(cands)), key=lambda x: (score[x], -x))
    chain = []
    while k != -1:
        chain.append(k)
        k = prev[k]
    return chain[::-1]


def combine(alignments: Mapping[str, Sequence[ScoredBead]], min_votes: int,
            n_src: int, n_tgt: int) -> list[VotedBead]:
    """The ensemble alignment of one document; `alignments` in order of trust."""
    pool: dict[Bead, VotedBead] = {}
    rank = {name: r for r, name in enumerate(alignments)}
    for name, beads in alignments.items():
        for sb in beads:
            pool.setdefault(sb.bead, VotedBead(sb.bead)).costs[name] = sb.cost
    kept = [v for v in pool.values() if v.votes >= min_votes]
    links = [v for v in kept if v.bead.src and v.bead.tgt]
    weights = [(len(v.bead.src) + len(v.bead.tgt))
               * (v.votes + TIE_BREAK * sum(len(rank) - rank[a] for a in v.costs)) for v in links]
    chosen = [links[k] for k in _best_chain(links, weights, n_tgt)]
    covered_src = {i for v in chosen for i in v.bead.src}
    covered_tgt = {j for v in chosen for j in v.bead.tgt}
    # Deletions the aligners voted for stay, where the chosen links left the sentence free.
    src_dels = sorted((v for v in kept if not v.bead.tgt and v.bead.src[0] not in covered_src),
                      key=lambda v: v.bead.src)
    tgt_dels = sorted((v for v in kept if not v.bead.src and v.bead.tgt[0] not in covered_tgt),
                      key=lambda v: v.bead.tgt)
    return _in_order(chosen, src_dels, tgt_dels)


def _in_order(links: list[VotedBead], src_dels: list[VotedBead],
              tgt_dels: list[VotedBead]) -> list[VotedBead]:
    """Links in chain order with each deletion placed before the first link after it."""
    out: list[VotedBead] = []
    s = t = 0
    for link in links:
        while s < len(src_dels) and src_dels[s].bead.src[0] < link.bead.src[0]:
            out.append(src_dels[s])
            s += 1
        while t < len(tgt_dels) and tgt_dels[t].bead.tgt[0] < link.bead.tgt[0]:
            out.append(tgt_dels[t])
            t += 1
        out.append(link)
    return out + src_dels[s:] + tgt_dels[t:]
