"""Load a local Hugging Face causal LM, optionally with an `adapters` adapter on top."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from lrtk.errors import UsageError


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    adapter_dir: str | None = None


def _check_dir(path: str, option: str, marker: str, what: str) -> None:
    if not os.path.isdir(path):
        raise UsageError("directory not found", path=path, hint=f"{option} takes a local directory")
    if not os.path.isfile(os.path.join(path, marker)):
        raise UsageError(f"no {marker} in this directory", path=path,
                         hint=f"{option} must point at a saved {what}")


def load_model(model_dir: str, adapter_dir: str | None = None) -> LoadedModel:
    """Model and tokenizer from `model_dir` (never the network); the adapter, if given, is
    one saved by `lrtk tune` and is loaded the way `lrtk tune` loads it."""
    from lrtk.tune.model import load_base, load_tuned

    _check_dir(model_dir, "--model", "config.json", "Hugging Face model")
    if adapter_dir:
        _check_dir(adapter_dir, "--adapter", "adapter_config.json", "adapter (lrtk tune)")
        model, tokenizer = load_tuned(model_dir, [adapter_dir])
    else:
        model, tokenizer = load_base(model_dir)
        model.eval()
    return LoadedModel(model, tokenizer, adapter_dir)
