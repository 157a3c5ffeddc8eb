"""Metric names on the command line -> metric objects."""

from __future__ import annotations

from lrtk.errors import UsageError
from lrtk.evaluate.bertscore import PARTS as BERTSCORE_PARTS
from lrtk.evaluate.bertscore import BertScore, BertScorer
from lrtk.evaluate.rouge import ROUGE_TYPES, Rouge
from lrtk.evaluate.sacre import Bleu, Chrf, ChrfPlusPlus, Ter

TRANSLATION_METRICS = ("bleu", "chrf", "chrf++", "ter")
METRIC_NAMES = TRANSLATION_METRICS + ("rouge",) + ROUGE_TYPES + ("bertscore",) + BERTSCORE_PARTS
# Group names and the metrics they stand for.
GROUPS = {"rouge": ROUGE_TYPES, "bertscore": BERTSCORE_PARTS}


def parse_metric_names(spec: str) -> list[str]:
    """'bleu,chrf,rouge' -> ['bleu', 'chrf', 'rouge1', 'rouge2', 'rougeL'] (order kept)."""
    names: list[str] = []
    for raw in spec.split(","):
        name = raw.strip()
        if not name:
            continue
        lowered = name.lower()
        match = next((m for m in METRIC_NAMES if m.lower() == lowered), None)
        if match is None:
            raise UsageError(f"unknown metric {name!r}",
                             hint=f"choose from {', '.join(METRIC_NAMES)}")
        for expanded in GROUPS.get(match, (match,)):
            if expanded not in names:
                names.append(expanded)
    if not names:
        raise UsageError("no metric given", hint="e.g. --metric bleu,chrf")
    return names


def build_metrics(names: list[str], *, lang: str = "", tokenize: str = "13a",
                  spm_model: str | None = None, bertscore: dict | None = None) -> list:
    """Metric objects in the order named; each has .name and .score(). `bertscore` holds
    the BertScorer arguments (model folder, layer, idf, device)."""
    metrics = []
    scorer = None
    if any(name in BERTSCORE_PARTS for name in names):
        settings = dict(bertscore or {})
        scorer = BertScorer(settings.pop("path", None), **settings)
    for name in names:
        if name == "bleu":
            metrics.append(Bleu(tokenize=tokenize, lang=lang, spm_model=spm_model))
        elif name == "chrf":
            metrics.append(Chrf())
        elif name == "chrf++":
            metrics.append(ChrfPlusPlus())
        elif name == "ter":
            metrics.append(Ter())
        elif name in BERTSCORE_PARTS:
            metrics.append(BertScore(name, scorer))
        else:
            metrics.append(Rouge(name))
    return metrics
