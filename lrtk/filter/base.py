"""The filter contract: every filter scores all pairs, then decides keep/reject per score.

Filters that learn from the corpus (`learns`) are fitted once, on a sample, and then score the
stream block by block with what they learned (`state` / `load_state` carry it between processes
and machines as JSON).

Filters are dataclasses so that their thresholds are their fields: a config names them, the
report and data card print them, and an unknown option is caught when the chain is built.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Optional, Sequence

Scores = dict[str, float]


@dataclasses.dataclass(frozen=True)
class Pair:
    src: str
    tgt: str


@dataclasses.dataclass
class Block:
    """Consecutive pairs of the input, with the pair just before and just after them (None at
    the ends of the input) and, per pair, whether its duplicate key occurred earlier in the
    input: what a filter may know beyond the block, so any cut into blocks gives one result."""

    pairs: Sequence[Pair]
    before: Optional[Pair] = None
    after: Optional[Pair] = None
    seen: Optional[Sequence[bool]] = None


@dataclasses.dataclass
class Filter:
    """Base of all filters. `src_lang`/`tgt_lang` are set by the chain, not by the config."""

    name: ClassVar[str] = ""
    learns: ClassVar[bool] = False
    src_lang: str
    tgt_lang: str

    def score_all(self, pairs: Sequence[Pair]) -> list[Scores]:
        """Scores for every pair. Batch filters (duplicates, margin) override this."""
        return [self.score(p) for p in pairs]

    def score_block(self, block: Block, alive: Sequence[int]) -> list[Scores]:
        """Scores for block.pairs[i], i in `alive` (the pairs earlier filters kept)."""
        return self.score_all([block.pairs[i] for i in alive])

    def fit(self, pairs: Sequence[Pair]) -> None:
        """Learn from a sample of the corpus (only filters that `learns`)."""

    def state(self) -> dict:
        """What `fit` learned, as JSON-able data."""
        return {}

    def load_state(self, state: dict) -> None:
        """Take over what `fit` learned elsewhere."""

    def score(self, pair: Pair) -> Scores:
        raise NotImplementedError(f"{type(self).__name__} scores only whole batches")

    def keep(self, scores: Scores) -> bool:
        raise NotImplementedError

    def params(self) -> dict:
        """The options that decide what is kept, as written in a config."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in ("src_lang", "tgt_lang") and f.repr}
