"""IBM Model 1: word translation probabilities p(target word | source word) learned by EM.

Used to learn a bilingual dictionary from seed parallel data (`lrtk align --seed-pairs`), to
bootstrap one from confidently aligned sentences, and by `lrtk filter` as a lexical
translation score. Training is vectorised over all (source word, target word) co-occurrences,
so memory grows with the sum of len(src) * len(tgt) over the pairs: fine for tens of thousands
of sentence pairs, which is what seed data and bootstrapping give.
"""

from __future__ import annotations

import math
import os
from typing import Iterable, Sequence

import numpy as np

from lrtk.lexicon.dictionary import Dictionary

NULL = "<null>"  # the empty source word that unaligned target words attach to
FLOOR = 1e-7  # probability of a target word no source word explains
MAX_LEN = 100  # longer sentences are skipped in training: they add cost, not evidence
DENSE_KEYS = 8  # _unique_inverse marks keys in a table when their range is at most 8x their number


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """np.argsort(keys, kind="stable") of non-negative int64 keys. Below 2**32 (a vocabulary
    product up to 65,536 squared) as two stable passes over 16-bit halves, low then high:
    numpy sorts 16-bit keys by radix, in linear time, which halves the sort's time."""
    if len(keys) == 0 or int(keys.max()) >= 1 << 32:
        return np.argsort(keys, kind="stable")
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    return order[np.argsort((keys[order] >> 16).astype(np.uint16), kind="stable")]


def _unique_inverse(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(keys, return_inverse=True), the same arrays: a stable argsort of int64 keys
    is several times faster than the sort np.unique uses, and the co-occurrence table (millions
    of keys when bootstrapping an alignment dictionary) is most of training's time. Keys of a
    small range (a filter's few thousand pairs: 3.5M keys below 16M) are marked in a table of
    the range and ranked by a cumulative sum, several times faster again."""
    if len(keys) and 0 <= keys.min() and keys.max() < min(DENSE_KEYS * len(keys), 2**31):
        present = np.zeros(int(keys.max()) + 1, dtype=bool)
        present[keys] = True
        rank = np.cumsum(present, dtype=np.int32)  # int32: half the pages of the range
        return np.flatnonzero(present), rank[keys].astype(np.int64) - 1
    order = _stable_order(keys)
    ordered = keys[order]
    first = np.empty(len(keys), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


class IBMModel1:
    """A translation table target word -> {source word: p(target | source)}."""

    def __init__(self, table: dict[str, dict[str, float]]):
        self.table = table

    @classmethod
    def train(cls, pairs: Iterable[tuple[Sequence[str], Sequence[str]]], *, iterations: int = 5,
              min_prob: float = 1e-3) -> "IBMModel1":
        """EM on (source words, target words) pairs; entries below `min_prob` are dropped."""
        src_ids: dict[str, int] = {NULL: 0}
        tgt_ids: dict[str, int] = {}
        src_tokens, tgt_tokens, src_lens, tgt_lens = [], [], [], []
        for src, tgt in pairs:
            if not tgt or len(src) > MAX_LEN or len(tgt) > MAX_LEN:
                continue
            src_tokens.append(0)
            src_tokens.extend([src_ids.setdefault(w, len(src_ids)) for w in src])
            tgt_tokens.extend([tgt_ids.setdefault(w, len(tgt_ids)) for w in tgt])
            src_lens.append(len(src) + 1), tgt_lens.append(len(tgt))
        n_groups = len(tgt_tokens)
        if not n_groups:
            return cls({})
        # Every target position pairs with every source word of its sentence (and NULL): one
        # EM group each. Built for all pairs at once (per-pair numpy calls cost more than EM).
        src_lens_arr = np.array(src_lens, dtype=np.int64)
        pair_of_group = np.repeat(np.arange(len(src_lens)), tgt_lens)
        size = src_lens_arr[pair_of_group]
        first_src = (np.cumsum(src_lens_arr) - src_lens_arr)[pair_of_group]
        group = np.repeat(np.arange(n_groups), size)
        within = np.arange(len(group)) - np.repeat(np.cumsum(size) - size, size)
        cols_s = np.array(src_tokens, dtype=np.int64)[np.repeat(first_src, size) + within]
        cols_t = np.repeat(np.array(tgt_tokens, dtype=np.int64), size)
        n_tgt = len(tgt_ids)
        keys = cols_s * n_tgt + cols_t
        params, param_of = _unique_inverse(keys)
        param_src = params // n_tgt
        prob = np.full(len(params), 1.0 / n_tgt)
        # One buffer each for the per-co-occurrence arrays, reused by every iteration: fresh
        # ones of this size are new pages from the system each time (page faults, sys time).
        p, total, share = np.empty(len(group)), np.empty(len(group)), np.empty(len(group))
        for _ in range(iterations):
            np.take(prob, param_of, out=p)
            # E step: each target token's unit of count is shared among its possible sources.
            np.take(np.bincount(group, p, minlength=n_groups), group, out=total)
            np.divide(p, total, out=share)
            counts = np.bincount(param_of, share, minlength=len(params))
            # M step: renormalise per source word.
            prob = counts / np.bincount(param_src, counts, minlength=len(src_ids))[param_src]
        src_words = list(src_ids)
        tgt_words = list(tgt_ids)
        table: dict[str, dict[str, float]] = {}
        kept = np.flatnonzero(prob >= min_prob)  # most pairs are noise: leave them in numpy
        for key, p in zip(params[kept].tolist(), prob[kept].tolist()):
            table.setdefault(tgt_words[key % n_tgt], {})[src_words[key // n_tgt]] = p
        return cls(table)

    def score(self, src: Sequence[str], tgt: Sequence[str]) -> float:
        """Mean log p(target word | source sentence) per target word; higher is better.
        0.0 when there is no target word to explain."""
        if not tgt:
            return 0.0
        src_set = [NULL, *src]
        total = 0.0
        for w in tgt:
            cands = self.table.get(w)
            p = sum(cands.get(s, 0.0) for s in src_set) / len(src_set) if cands else 0.0
            total += math.log(max(p, FLOOR))
        return total / len(tgt)

    def to_dictionary(self, *, min_prob: float = 0.1, max_candidates: int = 5) -> Dictionary:
        """The likeliest translations of each source word (NULL excluded) as a Dictionary."""
        by_src: dict[str, dict[str, float]] = {}
        for tgt, cands in self.table.items():
            for src, p in cands.items():
                if src != NULL and p >= min_prob:
                    by_src.setdefault(src, {})[tgt] = p
        kept = {s: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:max_candidates])
                for s, c in by_src.items()}
        return Dictionary(kept)

    def save(self, path: str | os.PathLike) -> None:
        from lrtk.io.atomic import write_json

        write_json({"model": "ibm1", "table": self.table}, path)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "IBMModel1":
        import json

        from lrtk.errors import DataError
        from lrtk.io.lines import display_name, open_lines

        try:
            obj = json.load(open_lines(path))
        except json.JSONDecodeError as e:
            raise DataError(f"not a valid IBM Model 1 file: {e.msg}", path=display_name(path),
                            line=e.lineno) from None
        if not isinstance(obj, dict) or obj.get("model") != "ibm1":
            raise DataError("not an IBM Model 1 file", path=display_name(path),
                            hint="write one with IBMModel1.save")
        return cls(obj["table"])
