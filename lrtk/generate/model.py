"""Load a local Hugging Face causal LM or encoder–decoder (T5/mT5/mBART), optionally with an
`adapters` adapter on top."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lrtk.errors import param
from lrtk.io.checkpoint import check_model_dir
from lrtk.io.hf_model import load_hf_model, load_hf_tokenizer
from lrtk.tune.seq2seq import set_languages


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


def load_model(model_dir: str, adapter_dir: str | None = None, *, src_lang: str | None = None,
               tgt_lang: str | None = None) -> LoadedModel:
    """Model and tokenizer from `model_dir` (never the network); the adapter, if given, is
    one saved by `lrtk tune` and is loaded the way `lrtk tune` loads it. `src_lang` and
    `tgt_lang` pick an mBART tokenizer's language codes (see lrtk.tune.seq2seq).

    Without an adapter the model is loaded plain, not through the adapters library: its
    wrapped attention cannot use the KV cache (see `LoadedModel.kv_cache`).
    """
    if adapter_dir:
        from lrtk.tune.model import load_tuned

        model, tokenizer = load_tuned(model_dir, [adapter_dir])
        loaded = LoadedModel(model, tokenizer, adapter_dir)
    else:
        from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

        config = check_model_dir(model_dir, param("model"))
        cls = AutoModelForSeq2SeqLM if config.get("is_encoder_decoder") else AutoModelForCausalLM
        model = load_hf_model(model_dir, param("model"), cls)
        loaded = LoadedModel(model.eval(), load_hf_tokenizer(model_dir))
    set_languages(loaded.tokenizer, src_lang, tgt_lang)
    return loaded
