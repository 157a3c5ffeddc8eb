"""Batched generation with a local HF model (decoder-only or encoder–decoder): greedy by
default, beam search or seeded sampling on request."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

from lrtk.errors import UsageError, param
from lrtk.generate.model import LoadedModel
from lrtk.io.numbers import COUNT, FRACTION, POSITIVE, SEED, check_options
from lrtk.io.progress import progress
from lrtk.tune.seq2seq import generation_start


@dataclass
class GenerationSettings:
    max_new_tokens: int = 128
    batch_size: int = 8
    sample: bool = False        # greedy unless asked: evaluation must be reproducible
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int = 0
    device: str = "auto"        # auto: the GPU when torch sees one, else the CPU
    num_beams: int = 1          # 1: greedy (or sampling); more: beam search

    def __post_init__(self):
        check_options(self, {"max_new_tokens": COUNT, "batch_size": COUNT,
                             "temperature": POSITIVE, "top_p": FRACTION, "seed": SEED,
                             "num_beams": COUNT})
        if self.sample and self.num_beams > 1:
            raise UsageError(f"sampling ({param('temperature')} above 0) and "
                             f"{param('num_beams')} are exclusive",
                             hint="beam search is deterministic; pick one")


def resolve_device(name: str):
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UsageError(f"unknown device {name!r}", hint="auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"{param('device')} {name}: torch sees no CUDA GPU",
                         hint=f"use {param('device')} cpu")
    return device


class Generator:
    """Turns prompts into completions (the continuation only, without the prompt)."""

    def __init__(self, loaded: LoadedModel, settings: GenerationSettings):
        self.model = loaded.model
        self.tokenizer = loaded.tokenizer
        self.settings = settings
        self.kv_cache = loaded.kv_cache
        self.device = resolve_device(settings.device)
        self.model.to(self.device)
        if self.tokenizer.pad_token_id is None:
            # Llama-style tokenizers ship without a pad token; batching needs one.
            self.tokenizer.pad_token = self.tokenizer.eos_token or self.tokenizer.unk_token
        # Decoder-only models continue from the last position, so pad on the left; an
        # encoder reads the source whole, and its output is all new tokens.
        self.seq2seq = bool(getattr(self.model.config, "is_encoder_decoder", False))
        self.tokenizer.padding_side = "right" if self.seq2seq else "left"
        self.start = generation_start(self.tokenizer) if self.seq2seq else {}

    def generate(self, prompts: Sequence[str]) -> Iterator[str]:
        import torch

        s = self.settings
        torch.manual_seed(s.seed)
        batches = [prompts[i:i + s.batch_size] for i in range(0, len(prompts), s.batch_size)]
        for batch in progress(batches, desc="generate", total=len(batches), unit="batch"):
            enc = self.tokenizer(list(batch), return_tensors="pt", padding=True).to(self.device)
            kwargs = dict(max_new_tokens=s.max_new_tokens, do_sample=s.sample,
                          num_beams=s.num_beams, pad_token_id=self.tokenizer.pad_token_id,
                          use_cache=self.kv_cache, **self.start)
            if s.sample:
                kwargs.update(temperature=s.temperature, top_p=s.top_p)
            with torch.no_grad():
                out = self.model.generate(**enc, **kwargs)
            new_tokens = out if self.seq2seq else out[:, enc["input_ids"].shape[1]:]
            yield from self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
