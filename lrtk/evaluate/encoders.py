"""What an encoder can read at once."""

from __future__ import annotations


def token_limit(config, wanted: int) -> int:
    """`wanted`, capped by the model's position table: RoBERTa/XLM-R number positions from
    pad + 1, so two of their slots are never used; BERT has no such offset, but taking 2 off
    costs nothing and keeps one rule."""
    positions = getattr(config, "max_position_embeddings", None)
    return min(wanted, positions - 2) if isinstance(positions, int) else wanted
