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


def widened(folder: Path, out: Path, initializer_range: float = 0.2) -> Path:
    """The model of `folder` re-initialised with weights 10x wider than BERT's default.
    At the default (0.02) a tiny random encoder gives its first token ([CLS], <s>) almost
    the same state whatever the input (std 0.004 across TICO-19 lines), so a sequence
    classification head has nothing to learn from in a few steps; at 0.2 the state depends
    on the text."""
    import torch
    from transformers import AutoConfig, AutoModelForMaskedLM, AutoTokenizer

    if not out.exists():
        config = AutoConfig.from_pretrained(folder)
        config.initializer_range = initializer_range
        torch.manual_seed(0)
        AutoModelForMaskedLM.from_config(config).save_pretrained(out)
        AutoTokenizer.from_pretrained(folder).save_pretrained(out)
    return out
