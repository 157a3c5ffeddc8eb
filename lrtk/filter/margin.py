"""Batch (margin) filtering as released with BanglaNMT.

The input is cut into consecutive blocks of `batch_size` records (lrtk.parallel.plan); the
pairs of a block that earlier filters kept form a batch, and inside it every pair gets the
ratio margin

    margin(x, y) = cos(x, y) / ((mean_k cos(x, NN_k(x)) + mean_k cos(y, NN_k(y))) / 2)

where NN_k(x) are the k targets of the batch closest to x and NN_k(y) the k sources closest
to y. A translation stands out from its neighbours (margin > 1); a misaligned pair does not.
Pairs are also compared with their neighbours in input order (lrtk.filter.adjacent), which
catches the off-by-one misalignments a batch may not hold the evidence for.

BanglaNMT (and lrtk before streaming) shuffled the whole corpus into batches. Consecutive
blocks need no global state, so a block can be scored by any worker on any machine with the
same result, in memory that does not grow with the corpus; the lexical models are learned
once, on a sample (`fit`). Neighbouring pairs of a document in one batch are harder
negatives than random ones, which costs a little recall on clean pairs (benchmarks/
bench_filter.py measures both) but catches more shifted pairs.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np

from lrtk.filter.adjacent import best_neighbour
from lrtk.filter.base import Block, Filter, Pair, Scores
from lrtk.filter.lexical import matrix, rowwise
from lrtk.parallel.plan import block_bounds

# A neighbour must beat the pair by this much in absolute terms too: two near-zero
# similarities (short sentences the model knows nothing about) are no evidence either way.
# With an embedder the slack is fixed; lexical similarities get ALLOWANCE_* below instead.
ADJACENT_SLACK = 0.05
# Lexical similarities of short sentences rest on a few words, so they scatter more: a pair of
# n words (the shorter side) is given ALLOWANCE_X / sqrt(n) of benefit of the doubt, like a
# confidence interval whose width falls with the evidence. The margin threshold is lowered by
# ALLOWANCE_MARGIN / sqrt(n) and a neighbour must beat ADJACENT_RATIO x the pair's own
# similarity + ALLOWANCE_ADJACENT / sqrt(n). A fixed cut cost 8% of clean Tatoeba ben-eng
# pairs (about 4 words a side: the scatter of its scores is near the gap between translations
# and their neighbours) for 2% of TICO-19's (about 20). The three were chosen together with
# the threshold on the five tuning sets of benchmarks/bench_filter.py (threshold 0.3-0.6,
# ratio 1.15-1.5, allowances 0-0.8): the most shifted and truncated Tatoeba pairs flagged
# with >= 95% of clean pairs kept and every cell of the other four sets >= 95%.
ALLOWANCE_MARGIN = 0.6
ALLOWANCE_ADJACENT = 0.3
ADJACENT_RATIO = 1.3
# True pairs have lower margins under the corpus-trained IBM 1 similarity than under a sentence
# embedder; with the bootstrapped models (MarginFilter.fit) the neighbour check catches most
# shifted pairs, and 0.5 (less the allowance above) kept the most clean pairs on TICO-19
# bn/ne/ur-en, FLORES v1 ne-en and Tatoeba ben-eng (0.3-0.9 tried, benchmarks/bench_filter.py);
# BanglaNMT used 0.95 with LaBSE-like embeddings.
LEXICAL_THRESHOLD = 0.5
EMBEDDER_THRESHOLD = 0.95
# Pairs the first lexical models judge above this margin, with no neighbour more similar,
# teach the final models (MarginFilter.fit). 1.0 and 1.3 tried: 1.3 leaves out so many pairs
# that their words go unknown and clean Tatoeba pairs fall below the threshold.
BOOTSTRAP_MARGIN = 1.0


def ratio_margin(sim: np.ndarray, k: int) -> np.ndarray:
    """Ratio margin of the diagonal of a square (source x target) similarity matrix."""
    n = sim.shape[0]
    k = max(1, min(k, n))
    # The k largest of each row / column; np.partition keeps this O(n^2) rather than a sort
    # (columns as rows of the transpose: partitioning along axis 0 walks memory with a stride).
    knn_src = np.partition(sim, n - k, axis=1)[:, n - k:]
    knn_tgt = np.partition(sim.T, n - k, axis=1)[:, n - k:]
    denom = (knn_src.mean(axis=1) + knn_tgt.mean(axis=1)) / 2
    diag = np.diagonal(sim)
    with np.errstate(divide="ignore", invalid="ignore"):
        margin = np.where(denom > 0, diag / denom, 0.0)
    return margin


@dataclasses.dataclass
class MarginFilter(Filter):
    """Ratio margin inside batches of consecutive pairs above `threshold` (see module docstring), and no
    neighbour in input order more similar than `adjacent_ratio` x the pair's own similarity
    (+ a slack, see ADJACENT_SLACK and ALLOWANCE_*); `adjacent_ratio: 0` turns that check off.

    The margin's scale depends on the similarity, so `threshold` defaults by embedder
    (LEXICAL_THRESHOLD, or BanglaNMT's EMBEDDER_THRESHOLD for sentence embeddings).

    `embedder` is 'lexical' (IBM Model 1 translation similarity, see lrtk.filter.lexical,
    learned from `seed_pairs` or else from a sample of the pairs being filtered), 'offline' (the
    built-in hashing embedder of lrtk.embed) or a local sentence-transformers folder.
    """

    name = "margin"
    embedder: str = "lexical"
    seed_pairs: str = ""
    batch_size: int = 1000
    k: int = 4
    threshold: float = -1.0  # below 0: the default for the embedder (class docstring)
    adjacent_ratio: float = ADJACENT_RATIO
    models: object = dataclasses.field(default=None, repr=False, init=False)

    def __post_init__(self):
        if self.threshold < 0:
            self.threshold = (LEXICAL_THRESHOLD if self.embedder == "lexical"
                              else EMBEDDER_THRESHOLD)

    @property
    def learns(self) -> bool:  # type: ignore[override]
        return self.embedder == "lexical"

    def fit(self, pairs: Sequence[Pair]) -> None:
        """Learn the lexical models from `seed_pairs`, else from `pairs` twice: the second
        time only from the pairs the first models found confident (margin above
        BOOTSTRAP_MARGIN, no neighbour more similar), so shifted and truncated pairs of the
        corpus teach the final models nothing."""
        from lrtk.filter.lexical import learn

        self.models = learn(pairs, self.seed_pairs)
        if self.seed_pairs:
            return
        confident = [p for p, s in zip(pairs, self.score_all(pairs))
                     if s["margin"] > BOOTSTRAP_MARGIN and s["adjacent"] <= s["cosine"]]
        if confident:
            self.models = learn(confident)

    def state(self) -> dict:
        return self.models.state()

    def load_state(self, state: dict) -> None:
        from lrtk.filter.lexical import LexicalModels

        self.models = LexicalModels.from_state(state)

    def score_all(self, pairs: Sequence[Pair]) -> list[Scores]:
        """Scores of a whole list of pairs in consecutive batches (learning from them first
        if nothing was fitted): what the chain computes for them as its input."""
        if self.learns and self.models is None:
            self.fit(pairs)
        out: list[Scores] = []
        for lo, hi in block_bounds(len(pairs), self.batch_size):
            block = Block(pairs[lo:hi], pairs[lo - 1] if lo else None,
                          pairs[hi] if hi < len(pairs) else None)
            out.extend(self.score_block(block, range(hi - lo)))
        return out

    def score_block(self, block: Block, alive: Sequence[int]) -> list[Scores]:
        if not alive:
            return []
        window = [block.before, *block.pairs, block.after]
        positions = [i + 1 for i in alive]
        # Each side of every pair that takes part is encoded once, for both checks.
        used = sorted({b for a in positions for b in (a - 1, a, a + 1)
                       if window[b] is not None})
        row = {p: n for n, p in enumerate(used)}
        xs = self._encode([window[p].src for p in used], "src")
        ys = self._encode([window[p].tgt for p in used], "tgt")
        batch = [row[p] for p in positions]
        sim = matrix(xs[batch], ys[batch])
        margin = ratio_margin(sim, self.k)
        cosine = np.diagonal(sim)

        def pairwise(src: Sequence[int], tgt: Sequence[int]) -> np.ndarray:
            return rowwise(xs[[row[p] for p in src]], ys[[row[p] for p in tgt]])

        adjacent = best_neighbour(window, positions, pairwise)
        words = [min(len(window[p].src.split()), len(window[p].tgt.split())) for p in positions]
        return [{"margin": float(m), "cosine": float(c), "adjacent": float(a), "words": w}
                for m, c, a, w in zip(margin, cosine, adjacent, words)]

    # Sentences as rows: sparse ones from the lexical models, or embedder rows.
    def _encode(self, texts: list[str], side: str):
        if self.embedder == "lexical":
            encode = self.models.src_vectors if side == "src" else self.models.tgt_vectors
            return encode(texts)
        lang = self.src_lang if side == "src" else self.tgt_lang
        return self._embedder().embed(texts, lang) if texts else np.zeros((0, 1))

    def _embedder(self):
        if not hasattr(self, "_loaded"):
            from lrtk.embed import load_embedder

            self._loaded = load_embedder(self.embedder)
        return self._loaded

    def keep(self, scores: Scores) -> bool:
        if self.embedder == "lexical":  # the shorter the pair, the wider the doubt (ALLOWANCE_*)
            doubt = 1 / math.sqrt(max(1, scores["words"]))
            slack, threshold = ALLOWANCE_ADJACENT * doubt, self.threshold - ALLOWANCE_MARGIN * doubt
        else:
            slack, threshold = ADJACENT_SLACK, self.threshold
        if self.adjacent_ratio and \
                scores["adjacent"] > scores["cosine"] * self.adjacent_ratio + slack:
            return False
        return scores["margin"] > threshold

