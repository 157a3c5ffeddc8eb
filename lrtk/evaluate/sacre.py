"""BLEU, chrF, chrF++ and TER through sacrebleu, each carrying sacrebleu's signature string."""

from __future__ import annotations

from typing import Sequence

from lrtk.evaluate.result import MetricResult
from lrtk.evaluate.spm_model import SPM_TOKENIZERS, resolve_spm
from lrtk.errors import UsageError


class SacreMetric:
    """One sacrebleu metric. Subclasses say how to build the sacrebleu object.

    `refs` follows sacrebleu: a list of reference streams, each as long as the hypotheses.
    """

    name = ""

    def build(self, *, sentence_level: bool = False):
        raise NotImplementedError

    def __init__(self) -> None:
        self.metric = self.build()

    def signature(self) -> str:
        return self.metric.get_signature().format()

    def score(self, hyps: Sequence[str], refs: Sequence[Sequence[str]], *,
              sentences: bool = False) -> MetricResult:
        corpus = self.metric.corpus_score(list(hyps), [list(r) for r in refs])
        per_segment = None
        if sentences:
            segment_metric = self.build(sentence_level=True)
            per_segment = [segment_metric.sentence_score(h, [r[i] for r in refs]).score
                           for i, h in enumerate(hyps)]
        return MetricResult(self.name, corpus.score, self.signature(), per_segment)


class Bleu(SacreMetric):
    """BLEU; `tokenize` is any sacrebleu tokenizer, the spm ones only from a local model."""

    name = "bleu"

    def __init__(self, tokenize: str = "13a", lang: str = "", spm_model: str | None = None):
        from sacrebleu.metrics import BLEU

        if tokenize not in BLEU.TOKENIZERS:
            raise UsageError(f"unknown BLEU tokenizer {tokenize!r}",
                             hint=f"choose one of {', '.join(BLEU.TOKENIZERS)}")
        self.tokenize, self.lang = tokenize, lang
        self.local_spm = resolve_spm(tokenize, spm_model) if tokenize in SPM_TOKENIZERS else None
        super().__init__()

    def build(self, *, sentence_level: bool = False):
        from sacrebleu.metrics import BLEU

        # sacrebleu's own advice: sentence BLEU needs effective order, or short
        # segments with no 4-gram match all score 0.
        tokenize = "none" if self.local_spm else self.tokenize
        bleu = BLEU(tokenize=tokenize, trg_lang=self.lang, effective_order=sentence_level)
        if self.local_spm:
            # Same object sacrebleu would build, only loaded from the user's file.
            bleu.tokenizer = self.local_spm
            bleu.tokenizer_signature = self.local_spm.signature()
        return bleu


class Chrf(SacreMetric):
    """chrF (character 6-grams, beta 2)."""

    name = "chrf"
    word_order = 0

    def build(self, *, sentence_level: bool = False):
        from sacrebleu.metrics import CHRF

        return CHRF(word_order=self.word_order)


class ChrfPlusPlus(Chrf):
    """chrF++: chrF plus word uni- and bigrams (Popović 2017)."""

    name = "chrf++"
    word_order = 2


class Ter(SacreMetric):
    """Translation edit rate (lower is better)."""

    name = "ter"

    def build(self, *, sentence_level: bool = False):
        from sacrebleu.metrics import TER

        return TER()
