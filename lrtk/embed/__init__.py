"""Sentence embedders shared by `lrtk align` (embedding aligner) and `lrtk filter` (margin).

Every embedder maps a list of sentences in one language to an (n, d) float32 array of
L2-normalised rows, so a cosine is a dot product. Implementations: a sentence-transformers
model from a local path (e.g. LaBSE) and a built-in offline embedder that needs no model.

Usage::

    from lrtk.embed import load_embedder
    from lrtk.lexicon import Dictionary

    emb = load_embedder("offline")                       # no model, no torch
    emb = load_embedder("offline", dictionary=Dictionary.load("bn-en.tsv"),
                        dictionary_lang="bn")            # bn words projected onto en words
    emb = load_embedder("/models/LaBSE")                 # local sentence-transformers folder
    src = emb.embed(["আমি ভাত খাই।"], lang="bn")         # (1, d) float32, unit rows
    tgt = emb.embed(["I eat rice."], lang="en")
    cosine = src @ tgt.T
"""

from __future__ import annotations

import os
from typing import Protocol, Sequence

import numpy as np

from lrtk.errors import UsageError, param

__all__ = ["OFFLINE", "Embedder", "load_embedder"]

OFFLINE = "offline"


class Embedder(Protocol):
    name: str

    def embed(self, sentences: Sequence[str], lang: str) -> np.ndarray:
        """(len(sentences), dim) float32, rows L2-normalised (zero rows stay zero)."""
        ...


def load_embedder(spec: str, *, dictionary=None, dictionary_lang: str | None = None,
                  device: str = "cpu") -> Embedder:
    """`spec` is 'offline' or the path of a local sentence-transformers model folder.
    The dictionary (an lrtk.lexicon.Dictionary) only feeds the offline embedder."""
    if spec == OFFLINE:
        from lrtk.embed.offline import OfflineEmbedder

        return OfflineEmbedder(dictionary=dictionary, dictionary_lang=dictionary_lang)
    if not os.path.isdir(spec):
        raise UsageError(f"embedder model folder not found: {spec}",
                         hint=f"pass {param('embedder')} offline, or the local folder of a "
                              "sentence-transformers model such as LaBSE")
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        raise UsageError("a model embedder needs sentence-transformers",
                         hint="pip install sentence-transformers, or use "
                              f"{param('embedder')} offline") from None
    from lrtk.embed.transformer import SentenceTransformerEmbedder

    try:
        return SentenceTransformerEmbedder(spec, device=device)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot load sentence-transformers model from {spec}: {e}",
                         hint="the folder must hold a saved SentenceTransformer") from None
