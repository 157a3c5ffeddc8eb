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
    adapter: str | None = None


def _check_dir(path: str, option: str, marker: str) -> None:
    if not os.path.isdir(path):
        raise UsageError("directory not found", path=path, hint=f"{option} takes a local directory")
    if not os.path.isfile(os.path.join(path, marker)):
        raise UsageError(f"no {marker} in this directory", path=path,
                         hint=f"{option} must point at a saved {'adapter' if option == '--adapter' else 'model'}")


def load_model(model_dir: str, adapter_dir: str | None = None) -> LoadedModel:
    """Model and tokenizer from `model_dir` (never the network); the adapter, if given, is
    loaded with the `adapters` library and made active."""
    _check_dir(model_dir, "--model", "config.json")
    if adapter_dir:
        _check_dir(adapter_dir, "--adapter", "adapter_config.json")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot load model: {str(e).splitlines()[0]}", path=model_dir) from None
    name = None
    if adapter_dir:
        import adapters

        adapters.init(model)
        name = model.load_adapter(adapter_dir)
        model.set_active_adapters(name)
    model.eval()
    return LoadedModel(model, tokenizer, name)
