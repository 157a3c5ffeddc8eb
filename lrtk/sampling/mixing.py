"""The mixing formulas: temperature sampling, scalarization weights and UniMax.

Pure functions over per-language sizes (lines or tokens). They return plain dicts keyed by
language so plans print and serialise without conversion.
"""

from __future__ import annotations

from typing import Mapping

from lrtk.errors import UsageError, param


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
    cannot use on to the others. Returns the units allocated to each language.

    If the whole budget exceeds max_epochs of everything, the allocations sum to less than
    the budget (the caller decides whether that is an error).
    """
    if max_epochs <= 0:
        raise UsageError(f"max epochs must be positive, got {max_epochs}")
    _check_sizes(sizes)
    return capped_allocation({lang: 1.0 for lang in sizes},
                             {lang: n * max_epochs for lang, n in sizes.items()}, budget)


def capped_allocation(weights: Mapping[str, float], caps: Mapping[str, float],
                      budget: float) -> dict[str, float]:
    """Split `budget` in proportion to `weights`, never giving a key more than its cap; what a
    capped key cannot take is split again among the others (water-filling). With equal
    weights this is UniMax's smallest-first loop.
    """
    if budget <= 0:
        raise UsageError(f"budget must be positive, got {budget}")
    allocation: dict[str, float] = {}
    active = [key for key in weights]
    remaining = float(budget)
    while active:
        total = sum(weights[key] for key in active)
        share = {key: remaining * weights[key] / total for key in active}
        capped = [key for key in active if share[key] >= caps[key]]
        if not capped:
            allocation.update(share)
            break
        for key in capped:
            allocation[key] = float(caps[key])
            remaining -= caps[key]
        active = [key for key in active if key not in capped]
    return {key: allocation[key] for key in weights}


def normalise(values: Mapping[str, float]) -> dict[str, float]:
    total = sum(values.values())
    return {key: v / total for key, v in values.items()}


def _check_sizes(sizes: Mapping[str, float]) -> None:
    if not sizes:
        raise UsageError("no corpora given", hint=f"pass {param('corpus')} LANG=PATH at least once")
    empty = [lang for lang, n in sizes.items() if n <= 0]
    if empty:
        raise UsageError(f"corpus for {', '.join(empty)} is empty",
                         hint="every corpus needs at least one non-empty line")
