"""Evaluation results as one JSON object keyed by metric name, and as a Markdown table."""

from __future__ import annotations

from typing import Sequence

from lrtk.evaluate.result import MetricResult


def results_json(results: Sequence[MetricResult], significance: dict | None = None) -> dict:
    out = {r.name: r.to_json() for r in results}
    for name, test in (significance or {}).items():
        out[name]["paired_bootstrap"] = test
    return out


def markdown_table(results: Sequence[MetricResult], significance: dict | None = None) -> str:
    significance = significance or {}
    with_test = bool(significance)
    head = "| metric | score |" + (" baseline | p-value |" if with_test else "") + " signature |"
    rule = "|---|---:|" + ("---:|---:|" if with_test else "") + "---|"
    rows = [head, rule]
    for r in results:
        test = significance.get(r.name)
        extra = ""
        if with_test:
            extra = (f" {test['baseline']['score']:.2f} | {test['p_value']:.4f} |" if test
                     else " | |")
        rows.append(f"| {r.name} | {r.score:.2f} |{extra} `{r.signature}` |")
    return "\n".join(rows) + "\n"
