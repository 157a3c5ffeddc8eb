"""Token-level cross-entropy for causal and masked LMs, summed so batches weigh by tokens."""

from __future__ import annotations

IGNORE = -100  # label value excluded from the loss, as in Hugging Face models


def loss_sum_and_count(model, batch: dict, *, causal: bool):
    """(summed loss, number of predicted tokens) of one batch; causal models predict t+1."""
    import torch.nn.functional as F

    labels = batch["labels"]
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    logits = model(**inputs).logits
    if causal:
        logits, labels = logits[:, :-1], labels[:, 1:]
    labels = labels.reshape(-1)
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
