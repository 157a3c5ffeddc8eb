"""A sentence-transformers model (e.g. LaBSE) loaded from a local folder, never downloaded."""

from __future__ import annotations

from typing import Sequence

import numpy as np


class SentenceTransformerEmbedder:
    """Wraps `sentence_transformers.SentenceTransformer`; rows come back L2-normalised."""

    def __init__(self, path: str, *, device: str = "cpu", batch_size: int = 64):
        from sentence_transformers import SentenceTransformer  # heavy: only when asked for

        self.model = SentenceTransformer(path, device=device, local_files_only=True)
        self.batch_size = batch_size
        self.name = f"st:{path.rstrip('/').rsplit('/', 1)[-1]}"

    def embed(self, sentences: Sequence[str], lang: str) -> np.ndarray:
        if not sentences:
            dim = self.model.get_embedding_dimension() or 0
            return np.zeros((0, dim), dtype=np.float32)
        vecs = self.model.encode(list(sentences), batch_size=self.batch_size,
                                 normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)
