"""ROUGE-1/2/L through rouge-score, with a tokenizer that keeps every script's words.

rouge-score's default tokenizer lowercases and then replaces everything outside [a-z0-9]
with spaces, so a Bengali or Urdu summary has no tokens and scores 0 however good it is.
"""

from __future__ import annotations

import unicodedata
from typing import Sequence

import regex

from lrtk.evaluate.result import MetricResult

# A word is a run of letters, combining marks (Bengali vowel signs and virama are marks,
# so `\w` from the re module would split words at them), digits and the zero-width
# joiners that Bengali and Urdu spell with.
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}\u200c\u200d]+")

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


class UnicodeWordTokenizer:
    """NFC-normalise, casefold, and take the words of any script; punctuation is dropped.

    NFC first because the same Bengali letter can arrive precomposed or decomposed
    (e.g. U+09DF or U+09AF U+09BC), and the two must match.
    """

    name = "unicode-nfc-casefold"

    def tokenize(self, text: str) -> list[str]:
        return _WORD.findall(unicodedata.normalize("NFC", text).casefold())


class Rouge:
    """One ROUGE variant: the corpus score is the mean segment F1 (x100); with several
    references each segment takes the best one, as rouge-score's score_multi does."""

    def __init__(self, rouge_type: str):
        from rouge_score import rouge_scorer

        self.name = rouge_type
        self.tokenizer = UnicodeWordTokenizer()
        self.scorer = rouge_scorer.RougeScorer([rouge_type], tokenizer=self.tokenizer)

    def signature(self, n_refs: int = 1) -> str:
        from importlib.metadata import version

        return (f"{self.name}|nrefs:{n_refs}|tok:{self.tokenizer.name}|stem:no|"
                f"agg:mean-f1|version:rouge-score-{version('rouge-score')}")

    def segment_scores(self, hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> list[float]:
        return [100.0 * self.scorer.score_multi([r[i] for r in refs], h)[self.name].fmeasure
                for i, h in enumerate(hyps)]

    def score(self, hyps: Sequence[str], refs: Sequence[Sequence[str]], *,
              sentences: bool = False) -> MetricResult:
        per_segment = self.segment_scores(hyps, refs)
        mean = sum(per_segment) / len(per_segment) if per_segment else 0.0
        return MetricResult(self.name, mean, self.signature(len(refs)),
                            per_segment if sentences else None)
