"""Scores of encoder task heads: accuracy and macro-F1 for classification, entity-level
precision/recall/F1 for NER (CoNLL-2003 style: an entity counts only when its type and
both boundaries are right).

Spans follow conlleval's reading of BIO: a span starts at B-X, or at an I-X that does not
continue a span of type X (an I- after O or after another type opens a new span, rather
than being dropped), and ends before the next tag that is not I-X.
"""

from __future__ import annotations

from typing import Sequence

from lrtk.evaluate.encoders import token_limit
from lrtk.evaluate.result import MetricResult

Span = tuple[str, int, int]  # (type, first token, last token + 1)


def bio_spans(tags: Sequence[str]) -> set[Span]:
    spans: set[Span] = set()
    kind, start = None, 0
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and label == kind
        if kind is not None and not continues:
            spans.add((kind, start, i))
            kind = None
        if prefix in ("B", "I") and not continues:
            kind, start = label, i
    return spans


def span_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict:
    """Micro-averaged entity precision, recall, F1 (x100) and the counts behind them."""
    true_pos = n_pred = n_gold = 0
    for g, p in zip(gold, predicted):
        gs, ps = bio_spans(g), bio_spans(p)
        true_pos += len(gs & ps)
        n_pred += len(ps)
        n_gold += len(gs)
    precision = true_pos / n_pred if n_pred else 0.0
    recall = true_pos / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": 100 * precision, "recall": 100 * recall, "f1": 100 * f1,
            "correct": true_pos, "predicted": n_pred, "gold": n_gold}


def accuracy(gold: Sequence[str], predicted: Sequence[str]) -> float:
    return 100.0 * sum(g == p for g, p in zip(gold, predicted)) / max(len(gold), 1)


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """Mean F1 over the labels that occur in the gold or the predictions (x100)."""
    labels = sorted(set(gold) | set(predicted))
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        n_pred = sum(p == label for p in predicted)
        n_gold = sum(g == label for g in gold)
        prec = tp / n_pred if n_pred else 0.0
        rec = tp / n_gold if n_gold else 0.0
        scores.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return 100.0 * sum(scores) / max(len(scores), 1)


def task_results(task: str, gold: list, predicted: list, signature: str) -> list[MetricResult]:
    if task == "classify":
        return [MetricResult("accuracy", accuracy(gold, predicted), signature),
                MetricResult("macro_f1", macro_f1(gold, predicted), signature)]
    spans = span_f1(gold, predicted)
    flat_gold = [t for tags in gold for t in tags]
    flat_pred = [t for tags in predicted for t in tags]
    return [MetricResult("entity_precision", spans["precision"], signature),
            MetricResult("entity_recall", spans["recall"], signature),
            MetricResult("entity_f1", spans["f1"], signature),
            MetricResult("token_accuracy", accuracy(flat_gold, flat_pred), signature)]


def predict(model, tokenizer, task: str, records: list, *, batch_size: int = 32,
            max_length: int = 512) -> list:
    """The head's label per record (classify) or tag per token (ner: each word takes the
    tag of its first sub-word; words cut off by max_length get O)."""
    import torch

    from lrtk.tune.tasks import first_subwords

    labels = model.config.id2label
    max_length = token_limit(model.config, max_length)
    out = []
    for start in range(0, len(records), batch_size):
        chunk = records[start:start + batch_size]
        if task == "classify":
            enc = tokenizer([r["text"] for r in chunk], padding=True, truncation=True,
                            max_length=max_length, return_tensors="pt")
        else:
            enc = tokenizer([r["tokens"] for r in chunk], is_split_into_words=True,
                            padding=True, truncation=True, max_length=max_length,
                            return_tensors="pt")
        with torch.no_grad():
            best = model(**enc).logits.argmax(-1).tolist()
        for row, rec in enumerate(chunk):
            if task == "classify":
                out.append(labels[best[row]])
                continue
            tags = ["O"] * len(rec["tokens"])
            for position, word in first_subwords(enc.word_ids(row)):
                tags[word] = labels[best[row][position]]
            out.append(tags)
    return out
