"""Text generation and perplexity on the native runtime (and perplexity with HF for comparison)."""

from __future__ import annotations

import math
from typing import Callable, Iterable, Iterator

import numpy as np

from lrtk.runtime.binding import NativeModel, Sampler
from lrtk.runtime.tokenizer import Tokenizer


def generate_ids(model: NativeModel, prompt: list[int], max_new: int, sampler: Sampler,
                 pos: int = 0, stop: int | None = None) -> Iterator[int]:
    """Prefill the prompt (batched) and yield up to max_new sampled token ids."""
    logits = model.forward(prompt, pos)
    pos += len(prompt)
    for _ in range(max_new):
        token = sampler(logits)
        if token == stop:
            return
        yield token
        if pos >= model.config["max_seq_len"]:
            return
        logits = model.forward([token], pos)
        pos += 1


def stream_text(tokenizer: Tokenizer, ids: Iterator[int]) -> Iterator[str]:
    """Decoded text pieces as tokens arrive; decoding the whole prefix keeps multi-byte
    characters and sentencepiece spaces right."""
    seen: list[int] = []
    text = ""
    for token in ids:
        seen.append(token)
        full = tokenizer.decode(seen)
        if full.endswith("\ufffd"):  # an incomplete UTF-8 sequence: wait for the next token
            continue
        yield full[len(text):]
        text = full


def windows(ids: list[int], ctx: int) -> list[list[int]]:
    """Non-overlapping windows of ctx tokens (the last may be shorter), each scored from its start."""
    return [w for start in range(0, len(ids) - 1, ctx) if len(w := ids[start:start + ctx]) >= 2]


def perplexity(logits_of: Callable[[list[int]], np.ndarray],
               windows: Iterable[list[int]]) -> tuple[float, int]:
    """exp(mean NLL of every token after the first of each window); logits_of(window) returns
    (len(window), vocab) logits. Returns (perplexity, tokens scored). The perplexity is NaN
    when some logits are not finite (corrupt weights: scoring stops there) or no token was
    scored, and infinity when it overflows a float."""
    nll, count = 0.0, 0
    for window in windows:
        logits = np.asarray(logits_of(window), np.float64)[:-1]
        if not np.isfinite(logits).all():
            return math.nan, count
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        nll -= logp[np.arange(len(window) - 1), window[1:]].sum()
        count += len(window) - 1
    if count == 0:
        return math.nan, 0
    try:
        return math.exp(nll / count), count
    except OverflowError:  # a mean NLL above ~709 nats: huge but finite logits
        return math.inf, count
