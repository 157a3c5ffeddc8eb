"""The deterministic, resumable stream of examples that realises a plan.

Step t of the stream (0-based, over all phases in order) picks a language from the phase's
draw probabilities, using uniforms that depend only on (seed, t); each language then walks
through its own examples in a fresh seeded permutation per epoch, so an upsampled language
cycles through all of its data before any example repeats. The state is therefore just the
step and one cursor per language: small, JSON, and resuming from it continues the exact
sequence an uninterrupted run would have produced.

A permutation is computed a window of positions at a time (lrtk.sampling.permutation), never
held whole, so memory does not grow with the corpus. Up to 2026-12 it was numpy's
`permutation(n)` (8 bytes an example): the same --seed picks the same languages at the same
steps as then, but other examples of them.
"""

from __future__ import annotations

import zlib
from bisect import bisect_right
from typing import Iterator

import numpy as np

from lrtk.errors import UsageError, param
from lrtk.sampling.corpus import Corpus
from lrtk.sampling.permutation import WholePermutation, WindowedPermutation
from lrtk.sampling.plan import Plan

_BLOCK = 4096  # steps whose language uniforms (or a language's positions) are computed together
# 2: the permutations of lrtk.sampling.permutation. A state of version 1 holds cursors into
# numpy permutations: resumed in the new order it would repeat some examples of the epoch and
# skip others, so such a run goes on in its own order (and keeps saving version 1).
STATE_VERSION = 2
_ORDERS = {1: WholePermutation, 2: WindowedPermutation}


class MixtureStream:
    """Iterate `{"lang", "phase", "text"[, "id"][, "weight"]}` records following `plan`.

    `shard=(k, n)` yields only steps t with t % n == k (one DataLoader worker of n) while
    every shard advances the same cursors, so the n shards together are the whole stream.
    """

    def __init__(self, plan: Plan, corpora: dict[str, Corpus], *, seed: int = 0,
                 shard: tuple[int, int] = (0, 1)):
        check_corpora(plan, corpora)
        self.plan = plan
        self.corpora = corpora
        self.seed = seed
        self.shard = shard
        self.step = 0
        self.cursors = {lang: 0 for lang in plan.languages}
        self._phase_ends = list(np.cumsum([p.draws for p in plan.phases]))
        self._cumulative = [_cumulative(p.draw_probs, plan.languages) for p in plan.phases]
        self._uniforms: tuple[int, np.ndarray] | None = None
        self._version = STATE_VERSION  # the draw order: a resumed state keeps its own
        # lang -> (epoch, its permutation, first position of the window, the window)
        self._orders: dict[str, tuple[int, WindowedPermutation, int, np.ndarray]] = {}

    def __len__(self) -> int:
        return self.plan.draws

    # -- state -------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"version": self._version, "plan": self.plan.fingerprint(), "seed": self.seed,
                "step": self.step, "cursors": dict(self.cursors)}

    def load_state_dict(self, state: dict) -> None:
        if state.get("version") not in _ORDERS:
            raise UsageError(f"unsupported sampler state version {state.get('version')!r}")
        if state.get("plan") != self.plan.fingerprint() or state.get("seed") != self.seed:
            raise UsageError("the state was saved for another plan or seed",
                             hint=f"resume with the same plan file and {param('seed')}, "
                                  "or start afresh")
        self._version = state["version"]
        self._orders.clear()
        self.step = int(state["step"])
        self.cursors = {lang: int(state["cursors"][lang]) for lang in self.plan.languages}

    # -- iteration ---------------------------------------------------------------------
    def __iter__(self) -> Iterator[dict]:
        """Continue from the current state; the state advances as records are yielded."""
        langs = self.plan.languages
        weighted = self.plan.mode == "upweight"
        while self.step < self.plan.draws:
            t = self.step
            phase = bisect_right(self._phase_ends, t)
            lang = langs[bisect_right(self._cumulative[phase], self._uniform(t))]
            cursor = self.cursors[lang]
            self.cursors[lang] = cursor + 1
            self.step = t + 1
            if t % self.shard[1] != self.shard[0]:
                continue
            text, ident = self.corpora[lang].get(self._example(lang, cursor))
            rec = {"lang": lang, "phase": phase, "text": text}
            if ident is not None:
                rec["id"] = ident
            if weighted:
                rec["weight"] = self.plan.phases[phase].weights[lang]
            yield rec

    def _uniform(self, t: int) -> float:
        block = t // _BLOCK
        if self._uniforms is None or self._uniforms[0] != block:
            rng = np.random.default_rng([self.seed, block])
            self._uniforms = (block, rng.random(_BLOCK))
        return float(self._uniforms[1][t % _BLOCK])

    def _example(self, lang: str, cursor: int) -> int:
        """Index of the cursor-th example of `lang`: epoch-wise seeded permutations."""
        n = self.plan.lines[lang]
        epoch, position = divmod(cursor, n)
        cached = self._orders.get(lang)
        if cached is None or cached[0] != epoch:
            # crc32 of the code, not the position in the plan: adding a language must not
            # reshuffle the others.
            rng = np.random.default_rng([self.seed, zlib.crc32(lang.encode("utf-8")), epoch])
            cached = (epoch, _ORDERS[self._version](n, rng), -1, np.empty(0, np.int64))
        _, order, first, window = cached
        if not first <= position < first + len(window):
            first = position - position % _BLOCK
            window = order.window(first, _BLOCK)
            cached = (epoch, order, first, window)
        self._orders[lang] = cached
        return int(window[position - first])

    def close(self) -> None:
        for corpus in self.corpora.values():
            corpus.close()


def check_corpora(plan: Plan, corpora: dict[str, Corpus]) -> None:
    """The corpora must still be the ones the plan was computed for."""
    for lang in plan.languages:
        if lang not in corpora:
            raise UsageError(f"no corpus for language {lang!r} of the plan")
        if corpora[lang].lines != plan.lines[lang]:
            raise UsageError(f"{lang} has {corpora[lang].lines} examples now but "
                             f"{plan.lines[lang]} when planned",
                             path=", ".join(corpora[lang].spec.paths),
                             hint="re-run `lrtk sample plan`")


def _cumulative(probs: dict[str, float], langs: list[str]) -> list[float]:
    total, out = 0.0, []
    for lang in langs:
        total += probs[lang]
        out.append(total)
    out[-1] = float("inf")  # rounding must never let a uniform fall past the last language
    return out
