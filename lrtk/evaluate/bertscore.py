"""BERTScore (Zhang et al., 2020) with a local encoder: greedy cosine matching of contextual
token embeddings.

Each hypothesis and reference is encoded by the model (hidden states of one layer, the
last by default); every token is matched to its most similar token on the other side:

    R = sum_r idf(r) max_h cos(h, r) / sum_r idf(r)      (each reference token covered)
    P = sum_h idf(h) max_r cos(h, r) / sum_h idf(h)      (each hypothesis token supported)
    F1 = 2PR / (P + R)

The special tokens ([CLS], [SEP], <s>, </s>) take no part. Without idf every token weighs
1; with idf, idf(w) = log((M + 1) / (df(w) + 1)) over the M reference segments, as the
bert-score package computes it. With several references a segment takes the reference of
the best F1. No baseline rescaling: the published baselines are per model and language,
and none exists for a user's own (trimmed) encoder. Scores are x100 like lrtk's other
metrics. The model is never downloaded: a folder must be given, and must be an encoder.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from pathlib import Path
from typing import Sequence

from lrtk.errors import UsageError, param
from lrtk.evaluate.encoders import token_limit
from lrtk.evaluate.result import MetricResult
from lrtk.io.checkpoint import check_model_dir
from lrtk.io.hf_model import load_hf_model, load_hf_tokenizer

PARTS = ("bertscore_p", "bertscore_r", "bertscore_f1")
ENCODER_TYPES = ("bert", "xlm-roberta", "roberta", "distilbert", "electra", "camembert",
                 "deberta", "deberta-v2", "mpnet")
POOLED = ("bert", "xlm-roberta", "roberta", "camembert")  # AutoModel adds a pooler to these


def check_encoder(path: str | None) -> dict:
    """config.json of a local encoder folder, or one UsageError saying what is wrong."""
    if not path:
        raise UsageError("BERTScore needs a local encoder model",
                         hint=f"pass {param('bertscore_model')} DIR (a BERT/XLM-R folder, e.g. "
                              "bert-base-multilingual-cased saved on disk)")
    config = check_model_dir(path, param("bertscore_model"))
    if config.get("is_encoder_decoder") or config["model_type"] not in ENCODER_TYPES:
        raise UsageError(f"{param('bertscore_model')} is a {config['model_type']} model, "
                         "not an encoder",
                         path=str(path), hint="give a BERT/XLM-R folder: "
                                              + ", ".join(ENCODER_TYPES))
    return config


class BertScorer:
    """Token embeddings of one local encoder; `scores` gives P, R, F1 per segment."""

    def __init__(self, path: str | os.PathLike | None, *, layer: int | None = None,
                 idf: bool = False, batch_size: int = 32, max_length: int = 510,
                 device: str = "cpu"):
        from transformers import AutoModel

        config = check_encoder(path)
        layers = config.get("num_hidden_layers")
        if layer is not None and not (isinstance(layers, int) and 1 <= layer <= layers):
            raise UsageError(f"{param('bertscore_layer')} {layer} is not a layer of this model",
                             path=str(path), hint=f"1 to {layers}")
        self.path, self.layer, self.idf = str(Path(path)), layer, idf
        self.tokenizer = load_hf_tokenizer(path)
        # The pooler is not used, and a folder saved from an MLM has none.
        extra = {"add_pooling_layer": False} if config["model_type"] in POOLED else {}
        self.model = load_hf_model(path, param("bertscore_model"), AutoModel, **extra)
        self.model.to(device).eval()
        self.batch_size, self.device = batch_size, device
        self.max_length = token_limit(self.model.config, max_length)
        self._cache: dict = {}

    def signature(self, n_refs: int) -> str:
        layer = self.layer if self.layer is not None else "last"
        return (f"bertscore|model:{Path(self.path).name}|layer:{layer}|"
                f"idf:{'yes' if self.idf else 'no'}|nrefs:{n_refs}|rescale:no|scale:100")

    def _encode(self, texts: Sequence[str]) -> list[tuple[list[int], "object"]]:
        """(token ids, unit-normalised embeddings) per text, special tokens dropped."""
        import torch

        special = set(self.tokenizer.all_special_ids)
        out = []
        for start in range(0, len(texts), self.batch_size):
            batch = self.tokenizer(list(texts[start:start + self.batch_size]), padding=True,
                                   truncation=True, max_length=self.max_length,
                                   return_tensors="pt").to(self.device)
            with torch.no_grad():
                states = self.model(**batch, output_hidden_states=True).hidden_states
            hidden = states[self.layer if self.layer is not None else -1].float()
            for row, ids in enumerate(batch["input_ids"].tolist()):
                keep = [i for i, (t, m) in enumerate(zip(ids, batch["attention_mask"][row]))
                        if m and t not in special]
                vectors = torch.nn.functional.normalize(hidden[row, keep], dim=-1)
                out.append(([ids[i] for i in keep], vectors.cpu()))
        return out

    def _idf_weights(self, refs: Sequence[Sequence[str]]) -> dict[int, float]:
        segments = [text for stream in refs for text in stream]
        df: Counter = Counter()
        for text in segments:
            df.update(set(self.tokenizer(text, add_special_tokens=False)["input_ids"]))
        m = len(segments)
        return {token: math.log((m + 1) / (n + 1)) for token, n in df.items()} | \
            {"unseen": math.log(m + 1)}

    def scores(self, hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> list[tuple]:
        """(P, R, F1) per segment, in [0, 1] up to float rounding; cached per input."""
        key = (tuple(hyps), tuple(tuple(r) for r in refs))
        if key not in self._cache:
            self._cache = {key: self._scores(hyps, refs)}
        return self._cache[key]

    def _scores(self, hyps, refs) -> list[tuple]:
        idf = self._idf_weights(refs) if self.idf else None

        def weights(ids):
            import torch

            if idf is None:
                return torch.ones(len(ids))
            return torch.tensor([idf.get(t, idf["unseen"]) for t in ids])

        encoded_hyps = self._encode(hyps)
        encoded_refs = [self._encode(stream) for stream in refs]
        out = []
        for i, (h_ids, h_vec) in enumerate(encoded_hyps):
            best = (0.0, 0.0, 0.0)
            for stream in encoded_refs:
                r_ids, r_vec = stream[i]
                if not h_ids or not r_ids:
                    continue  # an empty side matches nothing: 0
                sim = h_vec @ r_vec.T
                wh, wr = weights(h_ids), weights(r_ids)
                p = float((sim.max(dim=1).values * wh).sum() / wh.sum().clamp(min=1e-12))
                r = float((sim.max(dim=0).values * wr).sum() / wr.sum().clamp(min=1e-12))
                f = 2 * p * r / (p + r) if p + r > 0 else 0.0
                if f > best[2]:
                    best = (p, r, f)
            out.append(best)
        return out


class BertScore:
    """One of P, R, F1 as an lrtk metric; the three share a scorer, so the encoder runs once."""

    def __init__(self, part: str, scorer: BertScorer):
        self.name, self.scorer = part, scorer
        self.index = PARTS.index(part)

    def score(self, hyps: Sequence[str], refs: Sequence[Sequence[str]], *,
              sentences: bool = False) -> MetricResult:
        per_segment = [100.0 * s[self.index] for s in self.scorer.scores(hyps, refs)]
        mean = sum(per_segment) / len(per_segment) if per_segment else 0.0
        return MetricResult(self.name, mean, self.scorer.signature(len(refs)),
                            per_segment if sentences else None)
