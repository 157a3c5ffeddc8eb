"""A filter chain: filters run in order, each seeing only the pairs earlier ones kept.

Sequential (rather than all filters on all pairs) because the batch filters depend on what
they are given: the lexical model trained for margin scoring should not learn from copies
and wrong-language lines, and margin neighbours should be real candidate translations.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from lrtk.filter.base import Filter, Pair, Scores
from lrtk.io.progress import progress

HISTOGRAM_BINS = 10


@dataclasses.dataclass
class Outcome:
    """What happened to one pair: kept or not, who rejected it, every score it received."""

    kept: bool = True
    rejected_by: str | None = None
    scores: dict[str, Scores] = dataclasses.field(default_factory=dict)


class FilterChain:
    def __init__(self, filters: Sequence[Filter]):
        self.filters = list(filters)

    def run(self, pairs: Sequence[Pair]) -> list[Outcome]:
        outcomes = [Outcome() for _ in pairs]
        alive = list(range(len(pairs)))
        for flt in progress(self.filters, desc="filters", unit="filter"):
            scores = flt.score_all([pairs[i] for i in alive])
            survivors = []
            for i, s in zip(alive, scores):
                outcomes[i].scores[flt.name] = {k: round(float(v), 4) for k, v in s.items()}
                if flt.keep(s):
                    survivors.append(i)
                else:
                    outcomes[i].kept = False
                    outcomes[i].rejected_by = flt.name
            alive = survivors
        return outcomes

    def describe(self) -> list[dict]:
        """The chain as data (name + options), for reports and data cards."""
        return [{"name": f.name, **f.params()} for f in self.filters]

    def summary(self, outcomes: Sequence[Outcome]) -> dict:
        """Counts per filter and a histogram of every score each filter produced."""
        rejected = {f.name: 0 for f in self.filters}
        values: dict[str, list[float]] = {}
        for out in outcomes:
            if out.rejected_by:
                rejected[out.rejected_by] += 1
            for fname, scores in out.scores.items():
                for key, v in scores.items():
                    values.setdefault(f"{fname}.{key}", []).append(v)
        return {
            "input": len(outcomes),
            "kept": sum(o.kept for o in outcomes),
            "rejected": rejected,
            "filters": self.describe(),
            "histograms": {name: _histogram(v) for name, v in sorted(values.items())},
        }


def _histogram(values: list[float]) -> dict:
    counts, edges = np.histogram(np.asarray(values, dtype=float), bins=HISTOGRAM_BINS)
    return {"edges": [round(float(e), 4) for e in edges], "counts": counts.tolist()}
