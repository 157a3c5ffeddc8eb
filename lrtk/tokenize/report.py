"""How well a tokenizer serves each language, measured on held-out text.

Fertility (tokens per whitespace word) is the number low-resource work watches: a model
whose vocabulary was eaten by English splits Bengali words into many pieces, so the same
context window holds less Bengali and training costs more per word. Unknown and
byte-fallback rates show which scripts the vocabulary does not cover at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from lrtk.io.progress import progress
from lrtk.sampling.corpus import CorpusSpec, scan_corpora


@dataclass
class LanguageStats:
    lang: str
    lines: int = 0
    words: int = 0
    chars: int = 0
    tokens: int = 0
    unk: int = 0
    byte_tokens: int = 0
    # characters the vocabulary lacks (they became bytes or <unk>), most frequent first
    uncovered: Counter = field(default_factory=Counter)

    @property
    def fertility(self) -> float:
        return _ratio(self.tokens, self.words)

    @property
    def chars_per_token(self) -> float:
        return _ratio(self.chars, self.tokens)

    @property
    def unk_rate(self) -> float:
        return _ratio(self.unk, self.tokens)

    @property
    def byte_rate(self) -> float:
        return _ratio(self.byte_tokens, self.tokens)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["uncovered"] = dict(self.uncovered.most_common(10))
        d.update(fertility=self.fertility, chars_per_token=self.chars_per_token,
                 unk_rate=self.unk_rate, byte_fallback_rate=self.byte_rate)
        return d


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


class _CoverageCheck:
    """Whether a character is in the vocabulary, cached: each distinct character is encoded
    once on its own, and counts as uncovered if that needs <unk> or byte pieces."""

    def __init__(self, processor):
        self.processor = processor
        self.cache: dict[str, bool] = {}

    def covered(self, char: str) -> bool:
        if char not in self.cache:
            ids = self.processor.encode(char)
            self.cache[char] = not any(self.processor.is_unknown(i) or self.processor.is_byte(i)
                                       for i in ids)
        return self.cache[char]


def tokenizer_report(processor, specs: list[CorpusSpec]) -> list[LanguageStats]:
    """Per-language statistics of `processor` (a SentencePieceProcessor) on the corpora."""
    check = _CoverageCheck(processor)
    results = []
    for lang, corpus in scan_corpora(specs).items():
        stats = LanguageStats(lang)
        for i in progress(range(corpus.lines), desc=f"report {lang}", total=corpus.lines, unit="line"):
            text = corpus.get(i)[0]
            ids = processor.encode(text)
            stats.lines += 1
            stats.words += len(text.split())
            stats.chars += sum(1 for ch in text if not ch.isspace())
            stats.tokens += len(ids)
            stats.unk += sum(1 for t in ids if processor.is_unknown(t))
            stats.byte_tokens += sum(1 for t in ids if processor.is_byte(t))
            stats.uncovered.update(ch for ch in text if not ch.isspace() and not check.covered(ch))
        results.append(stats)
    return results


def render_report(results: list[LanguageStats]) -> str:
    lines = [f"{'lang':<6}{'lines':>7}{'words':>9}{'tokens':>9}{'fertility':>11}"
             f"{'chars/tok':>11}{'unk %':>8}{'bytes %':>9}  uncovered"]
    for s in results:
        top = " ".join(f"{ch}({n})" for ch, n in s.uncovered.most_common(5)) or "-"
        lines.append(f"{s.lang:<6}{s.lines:>7}{s.words:>9}{s.tokens:>9}{s.fertility:>11.3f}"
                     f"{s.chars_per_token:>11.2f}{100 * s.unk_rate:>8.3f}{100 * s.byte_rate:>9.3f}  {top}")
    return "\n".join(lines)
