"""Sentence embedders shared by `lrtk align` (embedding aligner) and `lrtk filter` (margin).

Every embedder maps a list of sentences in one language to an (n, d) float32 array of
L2-normalised rows, so a cosine is a dot product. Implementations: a sentence-transformers
model from a local path (e.g. LaBSE) and a built-in offline embedder that needs no model.
"""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np


class Embedder(Protocol):
    name: str

    def embed(self, sentences: Sequence[str], lang: str) -> np.ndarray:
        """(len(sentences), dim) float32, rows L2-normalised (zero rows stay zero)."""
        ...
