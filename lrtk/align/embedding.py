"""Embedding aligner (vecalign-style): dynamic programming over sentence blocks with cosine
costs. The embedder is pluggable (lrtk.embed): a local sentence-transformers model such as
LaBSE, or the built-in offline embedder."""

from __future__ import annotations

import numpy as np

from lrtk.align.document import DocPair, ScoredBead
from lrtk.align.search import bead_shapes, best_path, score_path
from lrtk.align.vectors import BlockSums, SimilarityCosts, block_similarity, unrelated_similarity

MERGE_PENALTY = 0.05
DELETION_COST = 0.6


class EmbeddingCosts:
    def __init__(self, src_vecs: np.ndarray, tgt_vecs: np.ndarray, shapes):
        self.src = BlockSums(src_vecs)
        self.tgt = BlockSums(tgt_vecs)
        baseline = unrelated_similarity(src_vecs, tgt_vecs, lambda s, t: np.sum(s * t, axis=1))
        self.to_cost = SimilarityCosts(shapes, baseline, merge_penalty=MERGE_PENALTY,
                                       deletion=DELETION_COST)

    def row(self, i: int, js: np.ndarray, shapes) -> np.ndarray:
        return self.to_cost(block_similarity(self.src, self.tgt, i, js, shapes, cosine=True))


class EmbeddingAligner:
    name = "embedding"

    def __init__(self, embedder, max_side: int = 4, max_total: int = 5):
        self.embedder = embedder
        self.shapes = bead_shapes(max_side, max_total)

    def align(self, doc: DocPair) -> list[ScoredBead]:
        src = self.embedder.embed(list(doc.src), doc.src_lang)
        tgt = self.embedder.embed(list(doc.tgt), doc.tgt_lang)
        costs = EmbeddingCosts(src, tgt, self.shapes)
        beads = best_path(len(doc.src), len(doc.tgt), self.shapes, costs)
        return score_path(beads, costs, self.shapes)
