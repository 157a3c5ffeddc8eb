"""A filter chain: filters run in order, each seeing only the pairs earlier ones kept.

Sequential (rather than all filters on all pairs) because the batch filters depend on what
they are given: the lexical model trained for margin scoring should not learn from copies
and wrong-language lines, and margin neighbours should be real candidate translations.

A chain works in two steps. `fit` runs a sample through the chain once and lets each filter
that learns from the corpus (length outlier, lexical margin) learn from the sample pairs the
filters before it kept. `apply` then judges one block of consecutive input pairs at a time
with what was learned: nothing in it depends on other blocks, so blocks can be spread over
processes and machines and the result is the same.
"""

from __future__ import annotations

import dataclasses
import itertools
from array import array
from typing import Iterable, Sequence

import numpy as np

from lrtk.filter.base import Block, Filter, Pair, Scores
from lrtk.filter.duplicate import pair_key
from lrtk.parallel.keys import SeenKeys
from lrtk.parallel.plan import block_bounds

HISTOGRAM_BINS = 10
BLOCK_SIZE = 1000  # pairs per block when no margin filter sets its batch size
_DIGITS = itertools.repeat(4)  # scores are kept to 4 decimals (map(round, values, _DIGITS))


@dataclasses.dataclass
class Outcome:
    """What happened to one pair: kept or not, who rejected it, every score it received."""

    kept: bool = True
    rejected_by: str | None = None
    scores: dict[str, Scores] = dataclasses.field(default_factory=dict)


class FilterChain:
    def __init__(self, filters: Sequence[Filter]):
        self.filters = list(filters)

    @property
    def block_size(self) -> int:
        """Pairs per block: the margin filter's batch size (its batches are the blocks)."""
        return next((f.batch_size for f in self.filters if f.name == "margin"), BLOCK_SIZE)

    @property
    def learns(self) -> bool:
        return any(f.learns for f in self.filters)

    def fit(self, pairs: Sequence[Pair]) -> None:
        """Fit every learning filter on the sample pairs the filters before it keep."""
        last = max((n for n, f in enumerate(self.filters) if f.learns), default=-1)
        alive = list(pairs)
        for flt in self.filters[:last + 1]:
            if flt.learns:
                flt.fit(alive)
            if flt is not self.filters[last]:
                alive = [p for p, s in zip(alive, flt.score_all(alive)) if flt.keep(s)]

    def state(self) -> dict:
        return {f.name: f.state() for f in self.filters if f.learns}

    def state_names(self) -> list[str]:
        return [f.name for f in self.filters if f.learns]

    def load_state(self, state: dict) -> None:
        for f in self.filters:
            if f.learns:
                f.load_state(state[f.name])

    def apply(self, block: Block) -> list[Outcome]:
        """Judge one block (see lrtk.filter.base.Block) with the fitted filters."""
        outcomes = [Outcome() for _ in block.pairs]
        alive = list(range(len(block.pairs)))
        for flt in self.filters:
            scores = flt.score_block(block, alive)
            survivors = []
            name, keep = flt.name, flt.keep
            for i, s in zip(alive, scores):
                outcomes[i].scores[name] = dict(zip(s, map(round, map(float, s.values()),
                                                            _DIGITS)))
                if keep(s):
                    survivors.append(i)
                else:
                    outcomes[i].kept = False
                    outcomes[i].rejected_by = name
            alive = survivors
        return outcomes

    def run(self, pairs: Sequence[Pair]) -> list[Outcome]:
        """Fit on all `pairs`, then judge them block by block: `lrtk filter` on a small input."""
        self.fit(pairs)
        seen = SeenKeys()
        outcomes: list[Outcome] = []
        for lo, hi in block_bounds(len(pairs), self.block_size):
            outcomes += self.apply(Block(pairs[lo:hi], pairs[lo - 1] if lo else None,
                                         pairs[hi] if hi < len(pairs) else None,
                                         seen.check_add(map(pair_key, pairs[lo:hi]))))
        return outcomes

    def describe(self) -> list[dict]:
        """The chain as data (name + options), for reports and data cards."""
        return [{"name": f.name, **f.params()} for f in self.filters]

    def summary(self, outcomes: Sequence[Outcome]) -> dict:
        """Counts per filter and a histogram of every score each filter produced."""
        stats = Statistics([f.name for f in self.filters])
        stats.add(outcomes)
        return stats.summary(self.describe())


class Statistics:
    """Counts and score values of judged pairs; mergeable, so shards can keep their own."""

    def __init__(self, names: Sequence[str]):
        self.input = 0
        self.kept = 0
        self.rejected = {name: 0 for name in names}
        self.values: dict[str, array] = {}
        self._columns: dict[str, dict[str, array]] = {}  # filter -> score -> its values

    def add(self, outcomes: Iterable[Outcome]) -> None:
        columns = self._columns
        for out in outcomes:
            self.input += 1
            self.kept += out.kept
            if out.rejected_by:
                self.rejected[out.rejected_by] += 1
            for fname, scores in out.scores.items():
                mine = columns.get(fname) or columns.setdefault(fname, {})
                for key, v in scores.items():
                    column = mine.get(key)
                    if column is None:
                        column = mine[key] = self.values[f"{fname}.{key}"] = array("d")
                    column.append(v)

    def counts(self) -> dict:
        return {"input": self.input, "kept": self.kept, "rejected": self.rejected}

    def summary(self, filters: list[dict]) -> dict:
        return {**self.counts(), "filters": filters,
                "histograms": {name: histogram([np.frombuffer(v)])
                               for name, v in sorted(self.values.items())}}


def histogram(parts: Sequence[np.ndarray]) -> dict:
    """np.histogram(concatenated parts, HISTOGRAM_BINS), counted part by part: the edges
    depend only on the overall minimum and maximum, so no part needs the others in memory."""
    present = [p for p in parts if len(p)]
    ends = np.array([min(p.min() for p in present), max(p.max() for p in present)]
                    if present else [], dtype=float)
    edges = np.histogram_bin_edges(ends, bins=HISTOGRAM_BINS)
    counts = sum((np.histogram(p, bins=edges)[0] for p in present),
                 np.zeros(HISTOGRAM_BINS, dtype=np.int64))
    return {"edges": [round(float(e), 4) for e in edges], "counts": counts.tolist()}
