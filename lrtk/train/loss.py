"""Token-level cross-entropy for causal and masked LMs, summed so batches weigh by tokens."""

from __future__ import annotations

IGNORE = -100  # label value excluded from the loss, as in Hugging Face models


def predicted(labels, *, causal: bool):
    """The labels the model is scored on: causal models predict token t+1 from t."""
    return labels[:, 1:] if causal else labels


def predicted_count(labels, *, causal: bool) -> int:
    return int((predicted(labels, causal=causal) != IGNORE).sum())


def loss_sum_and_count(model, batch: dict, *, causal: bool):
    """(summed loss, number of predicted tokens) of one batch."""
    import torch.nn.functional as F

    inputs = {k: v for k, v in batch.items() if k != "labels"}
    logits = model(**inputs).logits
    if causal:
        logits = logits[:, :-1]
    labels = predicted(batch["labels"], causal=causal).reshape(-1)
    total = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), labels,
                            ignore_index=IGNORE, reduction="sum")
    return total, int((labels != IGNORE).sum())


def mean_loss(model, batches, *, causal: bool) -> float:
    """Token-weighted mean loss over `batches` in eval mode, without gradients."""
    import torch

    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for batch in batches:
            s, n = loss_sum_and_count(model, batch, causal=causal)
            total += float(s)
            count += n
    model.train(was_training)
    return total / max(count, 1)
