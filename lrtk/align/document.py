"""A document pair to align and an aligner's answer for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from lrtk.align.beads import Bead


@dataclass(frozen=True)
class DocPair:
    id: str
    src: Sequence[str]
    tgt: Sequence[str]
    src_lang: str
    tgt_lang: str


@dataclass(frozen=True)
class ScoredBead:
    bead: Bead
    cost: float  # the aligner's own cost for this bead; lower is better
    at: tuple[int, int] = (0, 0)  # (source, target) position where the bead starts


class Aligner(Protocol):
    name: str

    def align(self, doc: DocPair) -> list[ScoredBead]:
        """A complete alignment of the document pair: every sentence in exactly one bead."""
        ...
