"""Metric names on the command line -> metric objects."""

from __future__ import annotations

from lrtk.errors import UsageError
from lrtk.evaluate.rouge import ROUGE_TYPES, Rouge
from lrtk.evaluate.sacre import Bleu, Chrf, ChrfPlusPlus, Ter

TRANSLATION_METRICS = ("bleu", "chrf", "chrf++", "ter")
METRIC_NAMES = TRANSLATION_METRICS + ("rouge",) + ROUGE_TYPES


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
        for expanded in (ROUGE_TYPES if match == "rouge" else (match,)):
            if expanded not in names:
                names.append(expanded)
    if not names:
        raise UsageError("no metric given", hint="e.g. --metric bleu,chrf")
    return names


def build_metrics(names: list[str], *, lang: str = "", tokenize: str = "13a",
                  spm_model: str | None = None) -> list:
    """Metric objects in the order named; each has .name, .signature() and .score()."""
    metrics = []
    for name in names:
        if name == "bleu":
            metrics.append(Bleu(tokenize=tokenize, lang=lang, spm_model=spm_model))
        elif name == "chrf":
            metrics.append(Chrf())
        elif name == "chrf++":
            metrics.append(ChrfPlusPlus())
        elif name == "ter":
            metrics.append(Ter())
        else:
            metrics.append(Rouge(name))
    return metrics
