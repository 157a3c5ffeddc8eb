"""Embedding aligner (vecalign-style): dynamic programming over sentence blocks with cosine
costs. The embedder is pluggable (lrtk.embed): a local sentence-transformers model such as
LaBSE, or the built-in offline embedder."""

from __future__ import annotations

from lrtk.align.document import DocPair, ScoredBead
from lrtk.align.length import LENGTH_WEIGHT, LengthProfile
from lrtk.align.search import bead_shapes, scored_path
from lrtk.align.vectors import CoverageCosts

MERGE_PENALTY = 0.05
DELETION_COST = 0.3


class EmbeddingAligner:
    name = "embedding"

    def __init__(self, embedder, max_side: int = 4, max_total: int = 5,
                 length_weight: float = LENGTH_WEIGHT):
        self.embedder = embedder
        self.shapes = bead_shapes(max_side, max_total)
        # Weak similarities (a short sentence, few shared features) cannot tell neighbours
        # apart; a light Gale–Church term can (Bertalign likewise adds a length penalty).
        self.length_weight = length_weight

    def align(self, doc: DocPair) -> list[ScoredBead]:
        src = self.embedder.embed(list(doc.src), doc.src_lang)
        tgt = self.embedder.embed(list(doc.tgt), doc.tgt_lang)
        costs = CoverageCosts(src, tgt, self.shapes, LengthProfile(doc.src, doc.tgt),
                              deletion=DELETION_COST, merge_penalty=MERGE_PENALTY,
                              length_weight=self.length_weight)
        return scored_path(len(doc.src), len(doc.tgt), self.shapes, costs)
