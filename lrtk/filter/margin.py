"""Batch (margin) filtering as released with BanglaNMT.

Pairs are shuffled with a seed and cut into batches; inside each batch every pair gets the
ratio margin

    margin(x, y) = cos(x, y) / ((mean_k cos(x, NN_k(x)) + mean_k cos(y, NN_k(y))) / 2)

where NN_k(x) are the k targets of the batch closest to x and NN_k(y) the k sources closest
to y. A translation stands out from its neighbours (margin > 1); a misaligned pair does not.
Pairs are also compared with their neighbours in input order (lrtk.filter.adjacent), which
catches the off-by-one misalignments a shuffled batch may not hold the evidence for.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from lrtk.filter.adjacent import best_neighbour
from lrtk.filter.base import Filter, Pair, Scores
from lrtk.io.progress import progress

# A neighbour must beat the pair by this much in absolute terms too: two near-zero
# similarities (short sentences the model knows nothing about) are no evidence either way.
ADJACENT_SLACK = 0.02
# True pairs have lower margins under the corpus-trained IBM 1 similarity than under a sentence
# embedder: 0.7 kept the most clean pairs at >= 90% shifted-pair detection on TICO-19 bn-en and
# FLORES v1 ne-en (0.5, 0.8 tried); BanglaNMT used 0.95 with LaBSE-like embeddings.
LEXICAL_THRESHOLD = 0.7
EMBEDDER_THRESHOLD = 0.95


def ratio_margin(sim: np.ndarray, k: int) -> np.ndarray:
    """Ratio margin of the diagonal of a square (source x target) similarity matrix."""
    n = sim.shape[0]
    k = max(1, min(k, n))
    # The k largest of each row / column; np.partition keeps this O(n^2) rather than a sort.
    knn_src = -np.partition(-sim, k - 1, axis=1)[:, :k]
    knn_tgt = -np.partition(-sim, k - 1, axis=0)[:k, :]
    denom = (knn_src.mean(axis=1) + knn_tgt.mean(axis=0)) / 2
    diag = np.diagonal(sim)
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = np.where(denom > 0, diag / denom, 0.0)
    return margin


def batches(n: int, batch_size: int, seed: int) -> list[np.ndarray]:
    """Seeded shuffle of range(n) cut into near-equal batches of at most `batch_size`.

    Equal sizes (rather than a short last batch) keep the margin of the last pairs
    comparable: a batch of 3 pairs has too few neighbours to judge by.
    """
    order = np.random.default_rng(seed).permutation(n)
    count = max(1, -(-n // batch_size))
    return np.array_split(order, count)


@dataclasses.dataclass
class MarginFilter(Filter):
    """Ratio margin inside seeded batches above `threshold` (see module docstring), and no
    neighbour in input order more similar than `adjacent_ratio` x the pair's own similarity
    (+ ADJACENT_SLACK); `adjacent_ratio: 0` turns that check off.

    The margin's scale depends on the similarity, so `threshold` defaults by embedder
    (LEXICAL_THRESHOLD, or BanglaNMT's EMBEDDER_THRESHOLD for sentence embeddings).

    `embedder` is 'lexical' (IBM Model 1 translation similarity, see lrtk.filter.lexical,
    learned from `seed_pairs` or else from the pairs being filtered), 'offline' (the
    built-in hashing embedder of lrtk.embed) or a local sentence-transformers folder.
    """

    name = "margin"
    embedder: str = "lexical"
    seed_pairs: str = ""
    batch_size: int = 1000
    k: int = 4
    threshold: float = -1.0  # below 0: the default for the embedder (class docstring)
    adjacent_ratio: float = 1.15
    seed: int = 0

    def __post_init__(self):
        if self.threshold < 0:
            self.threshold = (LEXICAL_THRESHOLD if self.embedder == "lexical"
                              else EMBEDDER_THRESHOLD)

    def score_all(self, pairs: Sequence[Pair]) -> list[Scores]:
        if not pairs:
            return []
        similarity = self._similarity(pairs)
        adjacent = best_neighbour(pairs, similarity)
        margin = np.zeros(len(pairs))
        cosine = np.zeros(len(pairs))
        parts = batches(len(pairs), self.batch_size, self.seed)
        for idx in progress(parts, desc="margin batches", total=len(parts), unit="batch"):
            sim = similarity([pairs[i].src for i in idx], [pairs[i].tgt for i in idx])
            margin[idx] = ratio_margin(sim, self.k)
            cosine[idx] = np.diagonal(sim)
        return [{"margin": float(m), "cosine": float(c), "adjacent": float(a)}
                for m, c, a in zip(margin, cosine, adjacent)]

    def _similarity(self, pairs: Sequence[Pair]):
        """(sources, targets) -> similarity matrix, from the lexical models or an embedder."""
        if self.embedder == "lexical":
            from lrtk.filter.lexical import learn

            return learn(pairs, self.seed_pairs).similarity
        from lrtk.embed import load_embedder

        embedder = load_embedder(self.embedder)

        def cosine(src: Sequence[str], tgt: Sequence[str]) -> np.ndarray:
            # Embedded batch by batch, so memory stays batch-sized.
            return embedder.embed(src, self.src_lang) @ embedder.embed(tgt, self.tgt_lang).T

        return cosine

    def keep(self, scores: Scores) -> bool:
        if self.adjacent_ratio and \
                scores["adjacent"] > scores["cosine"] * self.adjacent_ratio + ADJACENT_SLACK:
            return False
        return scores["margin"] > self.threshold
