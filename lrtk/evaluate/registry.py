"""Metric names on the command line -> metric objects.

METRICS is open (lrtk.registry): `--metric my_metrics:Overlap` or an entry point of group
`lrtk.metrics` names a user's metric. Every entry is called with the keywords `lang`,
`tokenize` and `spm_model` and returns an object with `.name`, `.signature()` and
`.score(hyps, refs, sentences=False)` -> MetricResult.
"""

from __future__ import annotations

from lrtk.errors import UsageError
from lrtk.evaluate.rouge import ROUGE_TYPES, Rouge
from lrtk.evaluate.sacre import Bleu, Chrf, ChrfPlusPlus, Ter
from lrtk.registry import Registry

TRANSLATION_METRICS = ("bleu", "chrf", "chrf++", "ter")
METRIC_NAMES = TRANSLATION_METRICS + ("rouge",) + ROUGE_TYPES

METRICS = Registry("metric", "lrtk.metrics")
METRICS.add("bleu", lambda lang, tokenize, spm_model: Bleu(tokenize=tokenize, lang=lang,
                                                           spm_model=spm_model))
METRICS.add("chrf", lambda **_: Chrf())
METRICS.add("chrf++", lambda **_: ChrfPlusPlus())
METRICS.add("ter", lambda **_: Ter())
for _rouge in ROUGE_TYPES:
    METRICS.add(_rouge, lambda _type=_rouge, **_: Rouge(_type))


def parse_metric_names(spec: str) -> list[str]:
    """'bleu,chrf,rouge' -> ['bleu', 'chrf', 'rouge1', 'rouge2', 'rougeL'] (order kept)."""
    names: list[str] = []
    for raw in spec.split(","):
        name = raw.strip()
        if not name:
            continue
        lowered = name.lower()
        match = next((m for m in METRIC_NAMES if m.lower() == lowered), None)
        if match is None and name in METRICS:
            match = name  # a user's metric: module:Class or an entry point
        if match is None:
            raise UsageError(f"unknown metric {name!r}",
                             hint=f"choose from {', '.join(METRIC_NAMES)}, module:Class, or "
                                  f"an entry point of group {METRICS.group}")
        for expanded in (ROUGE_TYPES if match == "rouge" else (match,)):
            if expanded not in names:
                names.append(expanded)
    if not names:
        raise UsageError("no metric given", hint="e.g. --metric bleu,chrf")
    return names


def build_metrics(names: list[str], *, lang: str = "", tokenize: str = "13a",
                  spm_model: str | None = None) -> list:
    """Metric objects in the order named; each has .name, .signature() and .score()."""
    return [METRICS.get(name, "--metric")(lang=lang, tokenize=tokenize, spm_model=spm_model)
            for name in names]
