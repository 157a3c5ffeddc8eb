"""Evaluation: sacrebleu translation metrics, Unicode-aware ROUGE, paired bootstrap, reports."""

from lrtk.evaluate.registry import METRIC_NAMES, build_metrics, parse_metric_names
from lrtk.evaluate.report import markdown_table, results_json
from lrtk.evaluate.result import MetricResult
from lrtk.evaluate.rouge import Rouge, UnicodeWordTokenizer
from lrtk.evaluate.sacre import Bleu, Chrf, ChrfPlusPlus, Ter
from lrtk.evaluate.segments import read_hyps_and_refs
from lrtk.evaluate.significance import paired_bootstrap

__all__ = [
    "METRIC_NAMES",
    "Bleu",
    "Chrf",
    "ChrfPlusPlus",
    "MetricResult",
    "Rouge",
    "Ter",
    "UnicodeWordTokenizer",
    "build_metrics",
    "markdown_table",
    "paired_bootstrap",
    "parse_metric_names",
    "read_hyps_and_refs",
    "results_json",
]
