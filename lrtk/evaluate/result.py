"""What every metric returns: one corpus score, its signature, optional per-segment scores."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MetricResult:
    """A corpus-level score with the signature that makes it reproducible.

    `sentences` holds one score per segment when per-segment scores were asked for.
    """

    name: str
    score: float
    signature: str
    sentences: list[float] | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        out = {"score": round(self.score, 4), "signature": self.signature}
        if self.sentences is not None:
            out["sentences"] = [round(s, 4) for s in self.sentences]
        return out
