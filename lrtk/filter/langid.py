"""Language identification with py3langid, whose model ships inside the pip package.

py3langid (a maintained langid.py) covers 142 languages including bn, ne, si, ur, hi and en,
and needs no download, which is why it is the default detector.

py3langid walks each text's bytes through its feature automaton one byte at a time in
Python, which made language ID the slowest filter. `language_probabilities` walks all texts
of a batch at once, one byte position per step with array operations, and then scores each
text exactly as py3langid does (same arrays, same operations, so the same float32 numbers;
tests/test_filter_speed.py compares it with py3langid's own `rank`).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Sequence

import numpy as np
import regex

from lrtk.errors import UsageError, param
from lrtk.filter.base import Filter, Pair, Scores


@functools.lru_cache(maxsize=4)
def _has_letters(n: int):
    """Matches a text with at least n letters (Unicode category L), without building the list
    of its letters (counting them with findall was a tenth of language ID's time)."""
    return regex.compile(rf"(?:\P{{L}}*\p{{L}}){{{max(n, 0)}}}").match


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


@functools.lru_cache(maxsize=1)
def _automaton() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """py3langid's automaton as arrays: next state, row offset of a state, its feature
    (32-bit, as py3langid stores them: the table is 40 MB and the walk is memory-bound)."""
    ident = _identifier()
    return (np.frombuffer(ident.tk_nextmove, dtype=np.uint32),
            np.asarray(ident._rowbase, dtype=np.int32),
            np.asarray(ident.tk_output, dtype=np.int32))


@functools.lru_cache(maxsize=1)
def _weights() -> np.ndarray:
    """py3langid's feature weights (float16) as float32: numpy multiplies them with float32
    counts as float32 anyway, and gathering rows of float16 was the slowest step (57 MB)."""
    return _identifier().nb_ptc.astype(np.float32)


def supported_languages() -> set[str]:
    return set(_identifier().nb_classes)


def language_probability(text: str, lang: str) -> float:
    """The detector's normalised probability that `text` is in `lang`."""
    return dict(_identifier().rank(text)).get(lang, 0.0)


def language_probabilities(texts: Sequence[str], lang: str) -> list[float]:
    """language_probability(text, lang) of every text (module docstring)."""
    ident = _identifier()
    column = ident.nb_classes.index(lang)  # rank() reports a label's first column
    table = _weights()
    encoded = [ident._encode(t) for t in texts]
    out = []
    for data, (features, counts) in zip(encoded, _visit_counts(encoded)):
        if len(features):  # py3langid's _sparse_score
            scores = np.log1p(counts) @ table[features] + ident.nb_pc
        else:  # no features: uniform
            scores = np.full(len(ident.nb_classes), 0.0, dtype=np.float32)
        # py3langid's _decide with norm_probs
        scores *= 1.0 / math.sqrt(len(data) or 1)
        np.exp(scores - scores.max(), out=scores)
        scores /= scores.sum()
        for i, j in ident._alias_pairs:
            scores[i] += scores[j]
            scores[j] = 0.0
        out.append(float(scores[column]))
    return out


# Texts walked together (of similar lengths: they are taken longest first), and at most
# this many (text, byte) cells of them, so that one very long line costs memory in
# proportion to its own length only.
WALK_CHUNK = 512
WALK_CELLS = 1 << 22


def _visit_counts(encoded: Sequence[bytes]) -> list[tuple[np.ndarray, np.ndarray]]:
    """py3langid's visit_counts of every text as (features in order of first visit, their
    counts as float32): the automaton walks many texts at once, one byte position per step."""
    order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i]))
    out: list = [None] * len(encoded)
    lo = 0
    while lo < len(order):
        size = max(1, min(WALK_CHUNK, WALK_CELLS // max(1, len(encoded[order[lo]]))))
        chunk = order[lo:lo + size]
        for i, visits in zip(chunk, _walk([encoded[i] for i in chunk])):
            out[i] = visits
        lo += size
    return out


def _walk(texts: Sequence[bytes]) -> list[tuple[np.ndarray, np.ndarray]]:
    """visit_counts of texts sorted longest first (as _visit_counts gives them)."""
    nextmove, rowbase, output = _automaton()
    lengths = np.array([len(t) for t in texts], dtype=np.int64)
    width = int(lengths[0])
    # Byte t of every text is row t (contiguous); at step t the texts longer than t are the
    # first `active[t]`, so no step walks past the end of a text.
    grid = np.frombuffer(b"".join(t.ljust(width, b"\0") for t in texts),
                         dtype=np.uint8).reshape(len(texts), width).T.copy()
    active = np.searchsorted(-lengths, -np.arange(width), side="left").tolist()
    state = np.zeros(len(texts), dtype=np.int64)
    visited = np.empty((width, len(texts)), dtype=np.int32)
    for t, k in enumerate(active):
        state[:k] = nextmove[rowbase[state[:k]] + grid[t, :k]]
        visited[t, :k] = output[state[:k]]
    # Counted for all texts at once (a Counter per text was a third of language ID): the
    # visits of text i as keys i * n_features + feature, in text order then byte order, so
    # np.unique's first index of a key orders each text's features by first visit, as the
    # Counter did; the order matters, it is the order of the float32 sums in the scoring.
    text, step = np.nonzero((visited.T >= 0) & (np.arange(width) < lengths[:, None]))
    n_features = int(output.max()) + 1
    keys, first, counts = np.unique(text * n_features + visited[step, text],
                                    return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    keys, counts = keys[order], counts[order].astype(np.float32)
    ends = np.searchsorted(keys // n_features, np.arange(len(texts)), side="right").tolist()
    features = (keys % n_features).astype(np.intp)
    return [(features[lo:hi], counts[lo:hi]) for lo, hi in zip([0, *ends], ends)]


@dataclasses.dataclass
class LangIdFilter(Filter):
    """Each side's probability of being in its declared language at least `min_prob`.

    Lines with fewer than `min_letters` letters are not judged (score 1.0): detectors guess
    on 'OK' or a name, and the script filter still covers them.
    """

    name = "langid"
    min_prob: float = 0.1
    min_letters: int = 10

    def __post_init__(self):
        missing = {self.src_lang, self.tgt_lang} - supported_languages()
        if missing:
            raise UsageError(f"py3langid does not know language(s) {', '.join(sorted(missing))}",
                             hint=f"drop the langid filter from the {param('config')} chain")

    def score_all(self, pairs: Sequence[Pair]) -> list[Scores]:
        return [{"src": s, "tgt": t} for s, t in zip(self._probs([p.src for p in pairs], self.src_lang),
                                                      self._probs([p.tgt for p in pairs], self.tgt_lang))]

    def score(self, pair: Pair) -> Scores:
        return self.score_all([pair])[0]

    def _probs(self, texts: list[str], lang: str) -> list[float]:
        enough = _has_letters(self.min_letters)
        judged = [i for i, t in enumerate(texts) if enough(t)]
        out = [1.0] * len(texts)
        for i, p in zip(judged, language_probabilities([texts[i] for i in judged], lang)):
            out[i] = p
        return out

    def keep(self, scores: Scores) -> bool:
        return min(scores.values()) >= self.min_prob
