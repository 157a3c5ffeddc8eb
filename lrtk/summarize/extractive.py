"""Lead-k and encoder centroid scoring over a document's sentences."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np

from lrtk.errors import DataError, UsageError, param
from lrtk.io.records import Record

METHODS = ("lead", "encoder")


def lead(sentences: Sequence[str], k: int) -> list[int]:
    """Indices of the first k sentences: news and Wikipedia put the gist first, which makes
    this the baseline every extractive system has to beat."""
    return list(range(min(k, len(sentences))))


def top_central(vectors: np.ndarray, k: int) -> list[int]:
    """Indices of the k sentences closest (cosine) to the document's centroid, in document
    order; ties go to the earlier sentence so the choice is deterministic."""
    if len(vectors) == 0:
        return []
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    centroid = unit.mean(axis=0)
    scores = unit @ (centroid / max(float(np.linalg.norm(centroid)), 1e-12))
    ranked = sorted(range(len(scores)), key=lambda i: (-round(float(scores[i]), 6), i))
    return sorted(ranked[:k])


class EncoderScorer:
    """Mean-pooled last hidden states of a local BERT/XLM-R model (AutoModel), never
    downloaded: the sentence vectors `top_central` compares."""

    def __init__(self, path: str, *, device: str = "cpu", batch_size: int = 32,
                 max_length: int = 256):
        if not Path(path).is_dir():
            raise UsageError("encoder model folder not found", path=path,
                             hint="give a local BERT/XLM-R folder (config.json, weights, "
                                  "tokenizer)")
        import torch
        from transformers import AutoModel, AutoTokenizer

        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = AutoModel.from_pretrained(path, local_files_only=True).to(device).eval()
        except (OSError, ValueError, KeyError) as e:
            raise DataError(f"encoder cannot be loaded: {' '.join(str(e).split())[:200]}",
                            path=path) from None
        self.torch, self.device = torch, device
        self.batch_size, self.max_length = batch_size, max_length

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        rows = []
        for start in range(0, len(sentences), self.batch_size):
            batch = self.tokenizer(list(sentences[start:start + self.batch_size]), padding=True,
                                   truncation=True, max_length=self.max_length,
                                   return_tensors="pt").to(self.device)
            with self.torch.no_grad():
                hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            rows.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)).float().cpu().numpy())
        return np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)


def summarize_documents(docs: Iterable[Record], *, method: str, k: int, lang: str | None,
                        scorer: EncoderScorer | None = None) -> Iterator[dict]:
    """{"id", "summary"} per document: k sentences in document order, joined by a space."""
    from lrtk.text import get_segmenter

    if method not in METHODS:
        raise UsageError(f"unknown method {method!r}", hint=f"choose one of {', '.join(METHODS)}")
    if method == "encoder" and scorer is None:
        raise UsageError(f"{param('method')} encoder needs {param('model')}",
                         hint="a local BERT/XLM-R folder")
    if k < 1:
        raise UsageError(f"-k must be at least 1, got {k}")
    for doc in docs:
        doc_lang = doc.get("lang") or lang
        if not doc_lang:
            raise doc.error(f"document has no 'lang' field and no {param('lang')} was given",
                            hint=f"pass {param('lang')}, e.g. {param('lang')} ur")
        sentences = get_segmenter(doc_lang).split(doc["text"])
        picked = lead(sentences, k) if method == "lead" else \
            top_central(scorer.embed(sentences), k)
        yield {"id": doc["id"], "summary": " ".join(sentences[i] for i in picked)}
