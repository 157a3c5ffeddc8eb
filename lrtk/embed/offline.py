"""The built-in offline embedder: hashed bags of cross-lingual features, no model needed.

A sentence becomes a signed feature-hashing vector of
  * words, projected through a bilingual dictionary when the sentence is in the dictionary's
    source language (so a Bengali sentence lands on English words),
  * character trigrams of romanised words (cognates, transliterated names, shared spellings),
  * script-independent signals (numbers in any digit set, URLs, punctuation, name keys).
Cosine similarity between two such vectors is therefore a weighted overlap count, which is
what the embedding aligner needs to tell the right neighbour from a wrong one.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from lrtk.lexicon import Dictionary, romanize, sentence_keys
from lrtk.lexicon.hashing import feature_slot as _slot, key_ids, runs

# Relative feature weights: a shared number or name is stronger evidence than a shared word,
# and trigrams (which also carry every word) weigh more than whole words.
_W_SIGNAL = 2.0
_W_WORD = 0.5
_W_TRANSLATION = 2.0  # a dictionary translation is word-level evidence across scripts
_W_TRIGRAM = 1.0


class OfflineEmbedder:
    """Feature-hashing sentence vectors; deterministic and dependency-free."""

    def __init__(self, dim: int = 512, dictionary: Dictionary | None = None,
                 dictionary_lang: str | None = None):
        self.dim = dim
        self.dictionary = dictionary
        self.dictionary_lang = dictionary_lang
        self.name = "offline"
        self._cache: dict[tuple[str, bool | None], tuple[np.ndarray, np.ndarray]] = {}

    def _word_features(self, word: str, project: bool) -> tuple[np.ndarray, np.ndarray]:
        """(slots, float32 values) of one word's features, computed once per word."""
        key = (word, project)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        # Short words are mostly function words: they match everywhere and tell little.
        weight = min(1.0, len(word) / 4)
        feats: list[tuple[int, float]] = []
        targets = self.dictionary.translations(word) if project and self.dictionary else {}
        if targets:
            for target, p in targets.items():
                idx, sign = _slot("w:" + target, self.dim)
                feats.append((idx, sign * _W_TRANSLATION * weight * p))
        else:
            # With a dictionary, target-language words are what translations land on: they
            # carry the same weight as the translations so the two sides stay comparable.
            w_word = _W_TRANSLATION if self.dictionary is not None else _W_WORD
            idx, sign = _slot("w:" + word, self.dim)
            feats.append((idx, sign * w_word * weight))
        latin = f" {romanize(word)} "
        grams = [latin[i:i + 3] for i in range(len(latin) - 2)]
        for g in grams:
            idx, sign = _slot("c:" + g, self.dim)
            feats.append((idx, sign * _W_TRIGRAM * weight / len(grams) ** 0.5))
        arrays = self._cache[key] = _columns(feats)
        return arrays

    def _signal_features(self, signal: str) -> tuple[np.ndarray, np.ndarray]:
        cached = self._cache.get((signal, None))
        if cached is None:
            idx, sign = _slot("s:" + signal, self.dim)
            cached = self._cache[(signal, None)] = _columns([(idx, sign * _W_SIGNAL)])
        return cached

    def embed(self, sentences: Sequence[str], lang: str) -> np.ndarray:
        project = self.dictionary is not None and lang == self.dictionary_lang
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        # Each sentence as its words and signals (signals start with '#', words never do),
        # each distinct one's feature arrays fetched once, then spread in numpy.
        bags = sentence_keys(sentences)
        ids, occurrences = key_ids(bags)
        if ids:
            parts = [self._signal_features(k) if k.startswith("#")
                     else self._word_features(k, project) for k in ids]
            lengths = np.fromiter((len(p[0]) for p in parts), dtype=np.int64, count=len(parts))
            feature, rows = runs(bags, occurrences, lengths, self.dim)
            slots = np.concatenate([p[0] for p in parts])[feature] + rows
            # One unbuffered float32 addition per feature, in the order listed: the sums a
            # per-feature loop gives, bit for bit.
            np.add.at(out.reshape(-1), slots, np.concatenate([p[1] for p in parts])[feature])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


def _columns(feats: list[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(slot, value) pairs as an int64 slot array and a float32 value array."""
    return (np.array([f[0] for f in feats], dtype=np.int64),
            np.array([f[1] for f in feats], dtype=np.float32))
