"""Load a local Hugging Face causal LM, optionally with an `adapters` adapter on top."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lrtk.io.hf_model import load_hf_model, load_hf_tokenizer


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    adapter_dir: str | None = None

    @property
    def kv_cache(self) -> bool:
        """False for models wrapped by the adapters library: adapters 1.3's attention takes
        the cache as `past_key_value` while transformers 4.57 passes `past_key_values`, so
        with the cache on, every generated token after the first attends to itself alone and
        the text is wrong. Without the cache each step recomputes the whole sequence:
        slower, but the same tokens the unwrapped model would produce."""
        return not hasattr(self.model, "adapters_config")


def load_model(model_dir: str, adapter_dir: str | None = None) -> LoadedModel:
    """Model and tokenizer from `model_dir` (never the network); the adapter, if given, is
    one saved by `lrtk tune` and is loaded the way `lrtk tune` loads it.

    Without an adapter the model is loaded plain, not through the adapters library: its
    wrapped attention cannot use the KV cache (see `LoadedModel.kv_cache`).
    """
    if adapter_dir:
        from lrtk.tune.model import load_tuned

        model, tokenizer = load_tuned(model_dir, [adapter_dir])
        return LoadedModel(model, tokenizer, adapter_dir)
    model = load_hf_model(model_dir, "--model")
    return LoadedModel(model.eval(), load_hf_tokenizer(model_dir))
