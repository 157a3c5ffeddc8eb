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


def comparison_json(systems: dict[str, Sequence[MetricResult]]) -> dict:
    return {name: results_json(results) for name, results in systems.items()}


def comparison_table(systems: dict[str, Sequence[MetricResult]]) -> str:
    """One row per metric, one column per system (extractive and abstractive side by side);
    the signature of each metric is that of the first system (all share it)."""
    names = list(systems)
    first = next(iter(systems.values()))
    rows = ["| metric | " + " | ".join(names) + " | signature |",
            "|---|" + "---:|" * len(names) + "---|"]
    for i, result in enumerate(first):
        scores = " | ".join(f"{systems[n][i].score:.2f}" for n in names)
        rows.append(f"| {result.name} | {scores} | `{result.signature}` |")
    return "\n".join(rows) + "\n"
