"""The filter contract: every filter scores all pairs, then decides keep/reject per score.

Filters are dataclasses so that their thresholds are their fields: a config names them, the
report and data card print them, and an unknown option is caught when the chain is built.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Sequence

Scores = dict[str, float]


@dataclasses.dataclass(frozen=True)
class Pair:
    src: str
    tgt: str


@dataclasses.dataclass
class Filter:
    """Base of all filters. `src_lang`/`tgt_lang` are set by the chain, not by the config."""

    name: ClassVar[str] = ""
    src_lang: str
    tgt_lang: str

    def score_all(self, pairs: Sequence[Pair]) -> list[Scores]:
        """Scores for every pair. Batch filters (duplicates, margin) override this."""
        return [self.score(p) for p in pairs]

    def score(self, pair: Pair) -> Scores:
        raise NotImplementedError(f"{type(self).__name__} scores only whole batches")

    def keep(self, scores: Scores) -> bool:
        raise NotImplementedError

    def params(self) -> dict:
        """The options that decide what is kept, as written in a config."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in ("src_lang", "tgt_lang") and f.repr}
