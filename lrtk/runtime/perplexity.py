"""Perplexity of a model over a text file: an exported model file on the native runtime, or
the float Hugging Face checkpoint with PyTorch; the lines are tokenized alike on both paths."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

from lrtk.errors import DataError, param
from lrtk.io.progress import progress
from lrtk.runtime import usable_threads


@dataclass(frozen=True)
class Perplexity:
    value: float  # inf or nan where the model's logits are not finite
    tokens: int   # the tokens scored
    ctx: int      # tokens per window: the asked length, at most the model's context


def _hf_scorer(model: str, data: str, ctx: int, max_tokens: Optional[int]):
    import torch

    from lrtk.io.hf_model import load_hf_model, loading
    from lrtk.runtime.tokenizer import Tokenizer, encode_file

    net = load_hf_model(model, param("model"), dtype=torch.float32).eval()
    bos = net.config.bos_token_id
    with loading(model, "tokenizer"):
        tokenizer = Tokenizer.from_dir(model, -1 if bos is None else bos)

    def logits_of(window):
        with torch.no_grad():
            return net(torch.tensor([window])).logits[0].numpy()

    return (logits_of, min(ctx, net.config.max_position_embeddings),
            encode_file(tokenizer, data, max_tokens))


def _native_scorer(model: str, data: str, ctx: int, max_tokens: Optional[int], threads: int,
                   kernel: str, mmap: bool):
    from lrtk.kernels.binding import set_kernel
    from lrtk.runtime.binding import NativeModel
    from lrtk.runtime.tokenizer import Tokenizer, encode_file

    set_kernel(kernel)
    net = NativeModel(model, usable_threads(threads), ctx, mmap)

    def logits_of(window):
        return net.forward(window, 0, all_logits=True)

    # The model's context may be shorter than the asked windows.
    return (logits_of, min(ctx, net.config["max_seq_len"]),
            encode_file(Tokenizer.from_model(net), data, max_tokens))


def file_perplexity(model: str, data: str, *, ctx: int = 256, max_tokens: Optional[int] = None,
                    threads: int = 1, kernel: str = "auto", mmap: bool = False) -> Perplexity:
    """The perplexity of `model` (a directory: a Hugging Face checkpoint, scored in float;
    anything else: a model file, which names itself if missing) on the lines of `data`, in
    windows of `ctx` tokens, of at most `max_tokens` tokens. `threads`, `kernel` and `mmap`
    open a model file (lrtk.runtime.binding.NativeModel)."""
    from lrtk.runtime.generate import perplexity, windows

    if os.path.isdir(model):
        logits_of, ctx, ids = _hf_scorer(model, data, ctx, max_tokens)
    else:
        logits_of, ctx, ids = _native_scorer(model, data, ctx, max_tokens, threads, kernel, mmap)
    if ctx < 2:  # every scored token needs one before it in its window
        raise DataError(f"the model's context of {ctx} token is too short to score",
                        path=model, hint="perplexity needs a context of at least 2 tokens")
    chunks = windows(ids, ctx)
    value, count = perplexity(logits_of, progress(chunks, desc="ppl", total=len(chunks),
                                                  unit="window"))
    return Perplexity(value, count, ctx)


