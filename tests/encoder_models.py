"""Tiny random T5/mT5, mBART, BERT and XLM-R folders for the seq2seq, task-adapter and
BERTScore tests: test_trim's builder (a tokenizer trained on TICO-19 bn + en, a model built
from a config and saved with save_pretrained), so these tests load models exactly as a
user's local `google/mt5-small` or `xlm-roberta-base` folder is loaded."""

from __future__ import annotations

from pathlib import Path


def tico(lang: str, n: int | None = None) -> list[str]:
    """TICO-19 en-bn lines of one side."""
    from conftest import shared_path

    lines = shared_path("tico19", "en-bn", f"tico19-test.{lang}").read_text(
        encoding="utf-8").splitlines()
    return lines[:n] if n else lines


def model_builder(root: Path):
    """get(family) -> folder of a tiny model, built once per root."""
    from test_trim import build

    (root / "both.txt").write_text("\n".join(tico("bn", 600) + tico("en", 600)) + "\n",
                                   encoding="utf-8")

    def get(family: str) -> Path:
        return build(family, root, "wordpiece" if family == "bert" else "unigram")
    return get
