"""The model to train: a fresh Llama-architecture LM of a given shape, or a local checkpoint.

The shape comes from flags and/or a YAML file (flags win); the vocabulary size always comes
from the sentencepiece tokenizer, so model and tokenizer cannot disagree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace

from lrtk.errors import UsageError, param
from lrtk.io.numbers import COUNT, check_options


@dataclass(frozen=True)
class ModelShape:
    layers: int = 4
    hidden: int = 256
    heads: int = 4
    kv_heads: int | None = None       # grouped-query attention; None = heads
    intermediate: int | None = None   # None = 8/3 * hidden rounded up to a multiple of 32
    seq_len: int = 256
    tie_embeddings: bool = True       # small models spend too much on a separate lm_head

    @classmethod
    def load(cls, yaml_path: str | os.PathLike | None, **overrides) -> "ModelShape":
        """Defaults, then the YAML file's keys, then the non-None `overrides`."""
        shape = cls()
        if yaml_path is not None:
            from lrtk.io.lines import open_lines
            import yaml

            try:
                raw = yaml.safe_load(open_lines(yaml_path)) or {}
            except yaml.YAMLError as err:
                raise UsageError(f"not valid YAML: {str(err).splitlines()[0]}",
                                 path=str(yaml_path)) from None
            known = {f.name for f in fields(cls)}
            unknown = sorted(set(raw) - known) if isinstance(raw, dict) else ["(not a mapping)"]
            if unknown:
                raise UsageError(f"unknown model keys: {', '.join(unknown)}", path=str(yaml_path),
                                 hint=f"known: {', '.join(sorted(known))}")
            shape = replace(shape, **raw)
        shape = replace(shape, **{k: v for k, v in overrides.items() if v is not None})
        shape.validate()
        return shape

    def validate(self) -> None:
        check_options(self, {f.name: COUNT for f in fields(self) if f.name != "tie_embeddings"})
        if not isinstance(self.tie_embeddings, bool):
            raise UsageError(f"tie_embeddings must be true or false, got {self.tie_embeddings!r}")
        kv = self.kv_heads or self.heads
        if self.hidden % self.heads or (self.hidden // self.heads) % 2:
            raise UsageError(f"hidden size {self.hidden} must split into {self.heads} heads of "
                             "even width (rotary embeddings rotate pairs)")
        if self.heads % kv:
            raise UsageError(f"{self.heads} attention heads do not split into {kv} KV heads")

    def llama_config(self, tokenizer):
        from transformers import LlamaConfig

        intermediate = self.intermediate or -(-self.hidden * 8 // 3 // 32) * 32
        return LlamaConfig(
            vocab_size=len(tokenizer), hidden_size=self.hidden, intermediate_size=intermediate,
            num_hidden_layers=self.layers, num_attention_heads=self.heads,
            num_key_value_heads=self.kv_heads or self.heads,
            max_position_embeddings=self.seq_len, tie_word_embeddings=self.tie_embeddings,
            bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id)


def from_scratch(shape: ModelShape, tokenizer):
    """A randomly initialised LlamaForCausalLM (seed the RNG first for reproducibility)."""
    from transformers import LlamaForCausalLM

    return LlamaForCausalLM(shape.llama_config(tokenizer))


def from_checkpoint(path: str | os.PathLike, tokenizer_path: str | None):
    """A local causal-LM checkpoint and its tokenizer (or the given sentencepiece model)."""
    from lrtk.io.hf_model import load_hf_model, load_hf_tokenizer
    from lrtk.train.tokenizer import hf_tokenizer

    model = load_hf_model(path, param("model"))
    tokenizer = hf_tokenizer(tokenizer_path) if tokenizer_path else load_hf_tokenizer(path)
    if len(tokenizer) > model.get_input_embeddings().num_embeddings:
        raise UsageError(f"the tokenizer has {len(tokenizer)} tokens but the model only "
                         f"{model.get_input_embeddings().num_embeddings} embeddings",
                         path=str(path))
    return model, tokenizer
