"""Gale–Church (1993): align by character length alone.

The length of a translation is roughly proportional to the source length with variance
proportional to it, so delta = (l2 - c*l1) / sqrt(s2 * mean length) is standard normal for true
beads; the cost of a bead is -log P(|delta|) - log P(bead shape). The ratio c is estimated per
document (total target characters / total source characters), which is what makes the method
work for any script pair (Bengali text is longer in characters than its English translation).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from lrtk.align.band import band_grid, flatten_rows
from lrtk.align.document import DocPair, ScoredBead
from lrtk.align.search import bead_shapes, scored_path

VARIANCE = 6.8  # Gale & Church's s^2, characters


def shape_prior(a: int, b: int) -> float:
    """-log P(shape): Gale–Church's priors for the classic shapes, geometric decay beyond."""
    if (a, b) == (1, 1):
        return -np.log(0.89)
    if a == 0 or b == 0:
        return -np.log(0.0099 / 2)
    if (a, b) == (2, 2):
        return -np.log(0.011)
    return -np.log(0.089 / 2 * 0.2 ** (a + b - 3))


def _log_two_tail(z: np.ndarray) -> np.ndarray:
    """log P(|N(0,1)| >= z) = log erfc(z / sqrt 2), via the Numerical Recipes erfc fit,
    computed in log space so large z does not underflow."""
    x = np.abs(z) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.5 * x)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))
    return np.log(t) - x * x + poly


def _mean_length(l1, l2, ratio):
    """A bead's length in source characters: the mean of its sides (at least 1)."""
    return np.maximum((l1 + l2 / ratio) / 2.0, 1.0)


def length_costs(l1: np.ndarray, l2: np.ndarray, priors: np.ndarray, ratio: float) -> np.ndarray:
    """Gale–Church costs of beads with source lengths l1, target lengths l2 (broadcast) and
    shape costs `priors`."""
    delta = (l2 - l1 * ratio) / np.sqrt(VARIANCE * _mean_length(l1, l2, ratio))
    return priors - _log_two_tail(delta)


class LengthProfile:
    """Prefix sums of sentence lengths, so any block's length is one subtraction."""

    def __init__(self, src: Sequence[str], tgt: Sequence[str]):
        self.src = np.concatenate([[0], np.cumsum([len(s) for s in src])]).astype(np.float64)
        self.tgt = np.concatenate([[0], np.cumsum([len(t) for t in tgt])]).astype(np.float64)
        self.ratio = max(self.tgt[-1], 1.0) / max(self.src[-1], 1.0)

    def block_lengths(self, i, js: np.ndarray, shapes) -> tuple[np.ndarray, np.ndarray]:
        """(K, 1) source and (K, W) target block lengths for every shape; with rows i of
        shape (R,) and js of shape (R, W), (R, K, 1) and (R, K, W)."""
        a = np.array([s[0] for s in shapes])
        b = np.array([s[1] for s in shapes])
        i = np.asarray(i)[..., None]
        l1 = (self.src[i] - self.src[np.maximum(i - a, 0)])[..., None]
        l2 = self.tgt[js][..., None, :] - self.tgt[np.maximum(js[..., None, :] - b[:, None], 0)]
        return l1, l2

    def row(self, i: int, js: np.ndarray, shapes) -> np.ndarray:
        l1, l2 = self.block_lengths(i, js, shapes)
        return length_costs(l1, l2, shape_priors(shapes), self.ratio)

    def rows(self, r0: int, r1: int, lo: np.ndarray, hi: np.ndarray, shapes) -> np.ndarray:
        i, js, valid = band_grid(r0, r1, lo, hi)
        return flatten_rows(self.row(i, js, shapes), valid)


# The length term of the vector aligners (lexical, embedding) weighs LENGTH_WEIGHT where
# translations spread in length as much as on Text+Berg de-fr dev (REFERENCE_SPREAD, where
# the weight was chosen), more where they keep lengths tighter: weighting evidence by its
# inverse variance. The range is bounded: at 4x the reference weight length overrules the
# similarities (FLORES ne-en fell from 0.94 to 0.91 strict F1 at 0.2).
LENGTH_WEIGHT = 0.05
REFERENCE_SPREAD = 3.2
WEIGHT_RANGE = (0.5, 2.0)


def length_spread(pairs: Sequence[tuple[int, int, float]]) -> float:
    """Mean squared Gale–Church deviation (l2 - c * l1)^2 / mean length of 1-1 pairs given as
    (source length, target length, the document's ratio c); the reference spread when none."""
    if not pairs:
        return REFERENCE_SPREAD
    l1, l2, ratio = (np.array(x, dtype=np.float64) for x in zip(*pairs))
    return float(np.mean((l2 - l1 * ratio) ** 2 / _mean_length(l1, l2, ratio)))


def length_weight(spread: float) -> float:
    """The vector aligners' length weight for a corpus whose 1-1 pairs spread this much."""
    scale = REFERENCE_SPREAD / max(spread, 1e-9)
    return LENGTH_WEIGHT * min(max(scale, WEIGHT_RANGE[0]), WEIGHT_RANGE[1])


def shape_priors(shapes) -> np.ndarray:
    return np.array([[shape_prior(a, b)] for a, b in shapes])


class LengthAligner:
    """Gale–Church on character lengths."""

    name = "length"

    def __init__(self, max_side: int = 4, max_total: int = 5):
        self.shapes = bead_shapes(max_side, max_total)

    def align(self, doc: DocPair) -> list[ScoredBead]:
        profile = LengthProfile(doc.src, doc.tgt)
        return scored_path(len(doc.src), len(doc.tgt), self.shapes, profile)
