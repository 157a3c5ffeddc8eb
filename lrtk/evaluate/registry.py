"""Metric names on the command line -> metric objects.

METRICS is open (lrtk.registry): `--metric my_metrics:Overlap` or an entry point of group
`lrtk.metrics` names a user's metric. Every entry is called with the keywords `lang`,
`tokenize` and `spm_model` and returns an object with `.name`, `.signature()` and
`.score(hyps, refs, sentences=False)` -> MetricResult.
"""

from __future__ import annotations

from lrtk.errors import UsageError, param
from lrtk.evaluate.bertscore import PARTS as BERTSCORE_PARTS
from lrtk.evaluate.bertscore import BertScore, BertScorer
from lrtk.evaluate.rouge import ROUGE_TYPES, Rouge
from lrtk.evaluate.sacre import Bleu, Chrf, ChrfPlusPlus, Ter
from lrtk.registry import Registry

TRANSLATION_METRICS = ("bleu", "chrf", "chrf++", "ter")
METRIC_NAMES = TRANSLATION_METRICS + ("rouge",) + ROUGE_TYPES + ("bertscore",) + BERTSCORE_PARTS
# Group names and the metrics they stand for.
GROUPS = {"rouge": ROUGE_TYPES, "bertscore": BERTSCORE_PARTS}

METRICS = Registry("metric", "lrtk.metrics")
METRICS.add("bleu", lambda lang, tokenize, spm_model: Bleu(tokenize=tokenize, lang=lang,
                                                           spm_model=spm_model))
METRICS.add("chrf", lambda **_: Chrf())
METRICS.add("chrf++", lambda **_: ChrfPlusPlus())
METRICS.add("ter", lambda **_: Ter())
for _rouge in ROUGE_TYPES:
    METRICS.add(_rouge, lambda _type=_rouge, **_: Rouge(_type))
for _part in BERTSCORE_PARTS:
    METRICS.add(_part, None)  # built by build_metrics: the parts share one encoder


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
        for expanded in GROUPS.get(match, (match,)):
            if expanded not in names:
                names.append(expanded)
    if not names:
        raise UsageError("no metric given", hint=f"e.g. {param('metric')} bleu,chrf")
    return names


def build_metrics(names: list[str], *, lang: str = "", tokenize: str = "13a",
                  spm_model: str | None = None, bertscore: dict | None = None) -> list:
    """Metric objects in the order named; each has .name, .signature() and .score().
    `bertscore` holds the BertScorer arguments (model folder, layer, idf, device)."""
    scorer = None
    if any(name in BERTSCORE_PARTS for name in names):
        settings = dict(bertscore or {})
        scorer = BertScorer(settings.pop("path", None), **settings)
    return [BertScore(name, scorer) if name in BERTSCORE_PARTS
            else METRICS.get(name, param("metric"))(lang=lang, tokenize=tokenize,
                                                    spm_model=spm_model)
            for name in names]
