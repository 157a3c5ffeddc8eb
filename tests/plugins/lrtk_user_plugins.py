"""A user's own filter, aligner and metric, written outside lrtk/ as a user would: lrtk finds
them by `module:Class` on the Python path or as entry points of an installed package
(tests/test_registries.py runs both ways)."""

from __future__ import annotations

import dataclasses

from lrtk.align.beads import Bead
from lrtk.align.document import DocPair, ScoredBead
from lrtk.evaluate import MetricResult
from lrtk.filter.base import Filter, Pair, Scores


@dataclasses.dataclass
class MaxCharsFilter(Filter):
    """Keeps pairs whose longer side has at most `max_chars` characters."""

    name = "max_chars"
    max_chars: int = 60

    def score(self, pair: Pair) -> Scores:
        return {"chars": float(max(len(pair.src), len(pair.tgt)))}

    def keep(self, scores: Scores) -> bool:
        return scores["chars"] <= self.max_chars


class InOrderAligner:
    """Sentence i with sentence i; the longer side's extra sentences stand alone."""

    name = "in_order"

    def __init__(self, max_side: int, max_total: int):
        pass

    def align(self, doc: DocPair) -> list[ScoredBead]:
        n, m = len(doc.src), len(doc.tgt)
        beads = [Bead((i,), (i,)) for i in range(min(n, m))]
        beads += [Bead((i,), ()) for i in range(m, n)] + [Bead((), (j,)) for j in range(n, m)]
        return [ScoredBead(b, 0.0, (b.src[0] if b.src else n, b.tgt[0] if b.tgt else m))
                for b in beads]


class ExactMatch:
    """Share of hypotheses equal to one of their references, in percent."""

    name = "exact"

    def __init__(self, **options):
        pass

    def signature(self) -> str:
        return "exact|v1"

    def score(self, hyps, refs, *, sentences: bool = False) -> MetricResult:
        per = [100.0 if any(h == stream[i] for stream in refs) else 0.0
               for i, h in enumerate(hyps)]
        return MetricResult(self.name, sum(per) / len(per), self.signature(),
                            per if sentences else None)
