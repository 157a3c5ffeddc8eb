"""A sampling plan: per-phase language probabilities, draw counts and expected epochs.

A plan is computed from corpus sizes alone, so it can be printed and reviewed before any
example is drawn, saved as JSON, and handed to the stream (or the fairseq2 pipeline) that
realises it. Three schedules:

- temperature: one phase, p_i = n_i^(1/tau) / sum_j n_j^(1/tau);
- cooldown: tau for the first `switch` fraction of the budget, then one hard switch to
  tau_end (Li et al. 2025: 5 -> 1 at 0.5 beat gradual annealing);
- unimax: one phase, the budget spread uniformly and capped at N epochs per language.

Two modes: `upsample` draws languages with the phase probabilities; `upweight` draws them
proportionally (tau = 1) and attaches the scalarization weight p(i;tau)/p(i;1) to each
example, for the trainer to multiply into the loss.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field

from lrtk.errors import UsageError, param, spelled
from lrtk.io.atomic import write_json
from lrtk.io.lines import open_lines
from lrtk.sampling.corpus import Corpus, CorpusSpec, check_one_per_language
from lrtk.sampling.mixing import normalise, temperature_probs, unimax_allocation

SCHEDULES = ("temperature", "cooldown", "unimax")
MODES = ("upsample", "upweight")
UNITS = ("lines", "tokens")


@dataclass(frozen=True)
class Schedule:
    kind: str = "temperature"
    tau: float = 1.0
    tau_end: float = 1.0       # cooldown only
    switch: float = 0.5        # cooldown only: fraction of the budget before the switch
    unimax_epochs: float = 4.0  # unimax only: cap on passes over one language's data

    def __post_init__(self):
        if self.kind not in SCHEDULES:
            raise UsageError(f"unknown schedule {self.kind!r}", hint=f"choose one of {', '.join(SCHEDULES)}")
        if self.kind == "cooldown" and not 0 < self.switch < 1:
            raise UsageError(f"{param('switch')} must be between 0 and 1 (exclusive), "
                             f"got {self.switch}")


@dataclass
class Phase:
    index: int
    tau: float | None            # None for unimax
    budget: float                # units (lines or tokens) this phase covers
    probs: dict[str, float]      # target share of units per language
    weights: dict[str, float]    # scalarization weights p(i;tau)/p(i;1)
    draw_probs: dict[str, float]  # probability that one drawn example is of language i
    draws: int                   # examples drawn in this phase
    epochs: dict[str, float]     # expected passes over each language's data in this phase


@dataclass
class Plan:
    corpora: list[CorpusSpec]
    unit: str
    lines: dict[str, int]
    units: dict[str, float]
    schedule: Schedule
    mode: str
    budget: float
    phases: list[Phase]
    warn_epochs: float
    warnings: list[str] = field(default_factory=list)

    @property
    def languages(self) -> list[str]:
        return [c.lang for c in self.corpora]

    @property
    def draws(self) -> int:
        return sum(p.draws for p in self.phases)

    def epochs(self) -> dict[str, float]:
        return {lang: sum(p.epochs[lang] for p in self.phases) for lang in self.languages}

    def to_dict(self) -> dict:
        return {
            "corpora": [c.to_dict() for c in self.corpora],
            "unit": self.unit, "lines": self.lines, "units": self.units,
            "schedule": asdict(self.schedule), "mode": self.mode, "budget": self.budget,
            "phases": [asdict(p) for p in self.phases], "epochs": self.epochs(),
            "warn_epochs": self.warn_epochs, "warnings": self.warnings,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Plan":
        return cls(corpora=[CorpusSpec.from_dict(c) for c in d["corpora"]], unit=d["unit"],
                   lines=d["lines"], units=d["units"], schedule=Schedule(**d["schedule"]),
                   mode=d["mode"], budget=d["budget"],
                   phases=[Phase(**p) for p in d["phases"]], warn_epochs=d["warn_epochs"],
                   warnings=d["warnings"])

    def fingerprint(self) -> str:
        """Identifies the plan a stream state belongs to: languages, sizes and phases, not
        where the files lie (a plan loaded from JSON resolves them against its folder)."""
        d = self.to_dict()
        d["corpora"] = [{**c, "paths": None} for c in d["corpora"]]
        blob = json.dumps(d, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()[:16]

    def render(self) -> str:
        """The plan as a fixed-width table per phase, for people."""
        s = self.schedule
        head = {"temperature": f"temperature tau={s.tau:g}",
                "cooldown": f"cooldown tau={s.tau:g} -> {s.tau_end:g} at {s.switch:g}",
                "unimax": f"unimax max {s.unimax_epochs:g} epochs/language"}[s.kind]
        out = [f"schedule: {head}; mode: {self.mode}; unit: {self.unit}; "
               f"budget: {self.budget:,.0f} {self.unit} = {self.draws:,} examples"]
        for p in self.phases:
            tau = "" if p.tau is None else f", tau={p.tau:g}"
            out.append(f"phase {p.index}{tau}: {p.budget:,.0f} {self.unit}, {p.draws:,} examples")
            out.append(f"  {'lang':<6}{self.unit:>12}{'p':>9}{'weight':>9}{'draw p':>9}{'epochs':>9}")
            for lang in self.languages:
                out.append(f"  {lang:<6}{self.units[lang]:>12,.0f}{p.probs[lang]:>9.4f}"
                           f"{p.weights[lang]:>9.3f}{p.draw_probs[lang]:>9.4f}{p.epochs[lang]:>9.2f}")
        total = ", ".join(f"{lang} {e:.2f}" for lang, e in self.epochs().items())
        out.append(f"expected epochs over the whole budget: {total}")
        return "\n".join(out)


def build_plan(corpora: list[CorpusSpec], lines: dict[str, int], units: dict[str, float], *,
               unit: str = "lines", schedule: Schedule = Schedule(), budget: float | None = None,
               mode: str = "upsample", warn_epochs: float = 4.0) -> Plan:
    """Compute the phases for corpora of the given sizes (`units` in `unit`s)."""
    if unit not in UNITS:
        raise UsageError(f"unknown unit {unit!r}", hint=f"choose one of {', '.join(UNITS)}")
    if mode not in MODES:
        raise UsageError(f"unknown mode {mode!r}", hint=f"choose one of {', '.join(MODES)}")
    check_one_per_language(corpora)
    budget = float(sum(units.values()) if budget is None else budget)
    if budget <= 0:
        raise UsageError(f"{param('budget')} must be positive, got {budget:g}")
    warnings: list[str] = []
    if schedule.kind == "unimax":
        allocation = unimax_allocation(units, budget, schedule.unimax_epochs)
        if sum(allocation.values()) < budget * (1 - 1e-9):
            warnings.append(f"budget {budget:,.0f} exceeds {schedule.unimax_epochs:g} epochs of "
                            f"all corpora; languages will be repeated past the UniMax cap")
        targets = [(None, 1.0, normalise(allocation))]
    elif schedule.kind == "cooldown":
        targets = [(schedule.tau, schedule.switch, temperature_probs(units, schedule.tau)),
                   (schedule.tau_end, 1 - schedule.switch,
                    temperature_probs(units, schedule.tau_end))]
    else:
        targets = [(schedule.tau, 1.0, temperature_probs(units, schedule.tau))]

    natural = temperature_probs(units, 1.0)
    phases = []
    for index, (tau, fraction, probs) in enumerate(targets):
        phase_budget = budget * fraction
        drawn = natural if mode == "upweight" else probs
        phases.append(_phase(index, tau, phase_budget, probs, natural, drawn, lines, units))
    plan = Plan(corpora, unit, dict(lines), dict(units), schedule, mode, budget, phases,
                warn_epochs, warnings)
    for lang, e in plan.epochs().items():
        if e > warn_epochs * (1 + 1e-9):  # exactly N epochs is not "more than N"
            plan.warnings.append(spelled(  # also saved with the plan: no parameter marks
                f"{lang} would be repeated {e:.1f} epochs (> {warn_epochs:g}): overfitting risk "
                f"(Li et al. 2025); lower {param('tau')} or {param('budget')}, or use "
                f"{param('mix')} unimax"))
    return plan


def _phase(index, tau, budget, probs, natural, drawn, lines, units) -> Phase:
    # An example of language i carries units_i/lines_i units on average, so hitting a share
    # of *units* means drawing examples with probability proportional to share / length.
    per_example = {lang: drawn[lang] * lines[lang] / units[lang] for lang in drawn}
    draws_per_unit = sum(per_example.values())
    draws = max(1, round(budget * draws_per_unit))
    return Phase(
        index=index, tau=tau, budget=budget, probs=probs,
        weights={lang: probs[lang] / natural[lang] for lang in probs},
        draw_probs=normalise(per_example), draws=draws,
        epochs={lang: budget * drawn[lang] / units[lang] for lang in drawn},
    )


def plan_corpora(corpora: dict[str, Corpus], *, unit: str = "lines", **options) -> Plan:
    """build_plan for scanned corpora (scan with a token counter when unit is tokens)."""
    lines = {lang: c.lines for lang, c in corpora.items()}
    units = {lang: float(c.lines if unit == "lines" else c.tokens) for lang, c in corpora.items()}
    return build_plan([c.spec for c in corpora.values()], lines, units, unit=unit, **options)


def save_plan(plan: Plan, path: str) -> None:
    """Write the plan as JSON, corpus paths relative to the plan's folder so the plan and
    its corpora can move together and `draw` works from any working directory."""
    folder = os.path.dirname(os.path.abspath(path))
    d = plan.to_dict()
    for c in d["corpora"]:
        c["paths"] = [os.path.relpath(os.path.abspath(p), folder) for p in c["paths"]]
    write_json(d, path)


def load_plan(path: str) -> Plan:
    """Read a plan written by `lrtk sample plan --report` (save_plan)."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        d = json.load(open_lines(path))
        plan = Plan.from_dict(d)
        plan.corpora = [CorpusSpec(c.lang, [os.path.normpath(os.path.join(folder, p))
                                            for p in c.paths], c.fmt, c.field)
                        for c in plan.corpora]
        return plan
    except json.JSONDecodeError as e:
        raise UsageError(f"not a plan file: {e.msg} at line {e.lineno}", path=path,
                         hint="write one with sample plan (save_plan)") from None
    except (KeyError, TypeError) as e:
        raise UsageError(f"not a plan file: missing or bad {e}", path=path,
                         hint="write one with sample plan (save_plan)") from None
