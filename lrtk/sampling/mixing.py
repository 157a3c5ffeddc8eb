"""The mixing formulas: temperature sampling, scalarization weights and UniMax.

Pure functions over per-language sizes (lines or tokens). They return plain dicts keyed by
language so plans print and serialise without conversion.
"""

from __future__ import annotations

from typing import Mapping

from lrtk.errors import UsageError


def temperature_probs(sizes: Mapping[str, float], tau: float) -> dict[str, float]:
    """p_i = n_i^(1/tau) / sum_j n_j^(1/tau).

    tau = 1 is proportional sampling; larger tau flattens towards uniform (tau -> inf).
    """
    if tau <= 0:
        raise UsageError(f"temperature must be positive, got {tau}")
    _check_sizes(sizes)
    # Scale by the largest size first: n^(1/tau) of billions of tokens with tau < 1 overflows.
    top = max(sizes.values())
    powered = {lang: (n / top) ** (1.0 / tau) for lang, n in sizes.items()}
    total = sum(powered.values())
    return {lang: v / total for lang, v in powered.items()}


def scalarization_weights(sizes: Mapping[str, float], tau: float) -> dict[str, float]:
    """w_i = p(i; tau) / p(i; 1): the loss weight that, under proportional sampling, gives each
    language the same expected share of the gradient as temperature sampling would
    ("upweighting" instead of "upsampling", Li et al. 2025)."""
    p_tau = temperature_probs(sizes, tau)
    p_one = temperature_probs(sizes, 1.0)
    return {lang: p_tau[lang] / p_one[lang] for lang in sizes}


def unimax_allocation(sizes: Mapping[str, float], budget: float,
                      max_epochs: float) -> dict[str, float]:
    """UniMax (Chung et al. 2023, Algorithm 1): share the budget uniformly over languages,
    cap each at `max_epochs` passes over its own data, and hand what a capped language
    cannot use on to the larger ones. Returns the units allocated to each language.

    Languages are visited from smallest to largest so every leftover flows to languages that
    can still absorb it. If the whole budget exceeds max_epochs of everything, the
    allocations sum to less than the budget (the caller decides whether that is an error).
    """
    if budget <= 0:
        raise UsageError(f"budget must be positive, got {budget}")
    if max_epochs <= 0:
        raise UsageError(f"max epochs must be positive, got {max_epochs}")
    _check_sizes(sizes)
    remaining = float(budget)
    order = sorted(sizes, key=lambda lang: (sizes[lang], lang))
    allocation: dict[str, float] = {}
    for k, lang in enumerate(order):
        fair_share = remaining / (len(order) - k)
        allocation[lang] = min(fair_share, sizes[lang] * max_epochs)
        remaining -= allocation[lang]
    return {lang: allocation[lang] for lang in sizes}


def normalise(values: Mapping[str, float]) -> dict[str, float]:
    total = sum(values.values())
    return {key: v / total for key, v in values.items()}


def _check_sizes(sizes: Mapping[str, float]) -> None:
    if not sizes:
        raise UsageError("no corpora given", hint="pass --corpus LANG=PATH at least once")
    empty = [lang for lang, n in sizes.items() if n <= 0]
    if empty:
        raise UsageError(f"corpus for {', '.join(empty)} is empty",
                         hint="every corpus needs at least one non-empty line")
