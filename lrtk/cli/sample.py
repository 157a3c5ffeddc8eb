"""`lrtk sample plan|draw`: language mixing by temperature, cooldown or UniMax."""

from __future__ import annotations

from typing import List, Optional

import typer

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes

ORDER = 50

PLAN_HELP = """Compute the per-phase language probabilities and expected epochs of a mixture.

Temperature sampling p_i = n_i^(1/tau) / sum_j n_j^(1/tau) (n_i in lines or tokens);
the equivalent loss weights p(i;tau)/p(i;1) ("weight"); cooldown switches once from --tau
to --tau-end after --switch of the budget (Li et al. 2025: 5 -> 1 at 0.5); unimax spreads
the budget uniformly, capped at --unimax-epochs per language (Chung et al. 2023).
Prints the plan to stdout, warnings to stderr; --report writes it for `lrtk sample draw`.

Example:

\b
  lrtk sample plan --corpus bn=bn.txt --corpus ne=ne.txt --corpus en=en.txt \\
      --mix cooldown --tau 5 --tau-end 1 --switch 0.5 --budget 100000 --report plan.json
"""

DRAW_HELP = """Stream the examples of a plan as JSONL {"lang", "phase", "text"[, "id"][, "weight"]}.

Deterministic under --seed. With --state FILE the run resumes from FILE if it exists and
saves its position there at the end; --take N stops after N records, so a long stream can
be drawn in pieces. --backend fairseq2 builds the same schedule as a fairseq2 DataPipeline
(needs the fairseq2 environment: make setup-fairseq2).

Example:

\b
  lrtk sample draw --plan plan.json --seed 1 -o mix.jsonl
  lrtk sample draw --plan plan.json --seed 1 --state mix.state --take 10000 > part1.jsonl
"""


@writes("report")
def plan_command(
    corpus: List[str] = opt.corpus(),
    fmt: str = opt.corpus_format(),
    text_field: str = opt.text_field(),
    unit: str = typer.Option("lines", "--unit", help="Size unit n_i and budget unit: lines|tokens."),
    tokenizer: Optional[str] = opt.tokenizer(help="sentencepiece model counting tokens "
                                                  "(default: whitespace words)."),
    mix: str = opt.mix(),
    tau: float = typer.Option(1.0, "--tau", help="Temperature (cooldown: before the switch)."),
    tau_end: float = typer.Option(1.0, "--tau-end", help="Cooldown temperature after the switch."),
    switch: float = typer.Option(0.5, "--switch", help="Cooldown: fraction of the budget before the switch."),
    unimax_epochs: float = typer.Option(4.0, "--unimax-epochs", help="UniMax cap on epochs per language."),
    budget: Optional[float] = typer.Option(None, "--budget",
                                           help="Examples (or tokens) to draw; default: all data once."),
    mode: str = typer.Option("upsample", "--mode",
                             help="upsample (draw by p) or upweight (draw by size, attach weight)."),
    warn_epochs: float = typer.Option(4.0, "--warn-epochs",
                                      help="Warn when a language would repeat more epochs than this."),
    report: Optional[str] = opt.report("Write the plan as JSON (for `lrtk sample draw`)."),
) -> None:
    from lrtk.io.progress import warn
    from lrtk.sampling import (Schedule, parse_corpus_options, plan_corpora, save_plan,
                               scan_corpora, token_counter)

    specs = parse_corpus_options(corpus, fmt, text_field)
    counter = token_counter(tokenizer) if unit == "tokens" else None
    plan = plan_corpora(scan_corpora(specs, counter), unit=unit,
                        schedule=Schedule(mix, tau, tau_end, switch, unimax_epochs),
                        budget=budget, mode=mode, warn_epochs=warn_epochs)
    typer.echo(plan.render())
    for message in plan.warnings:
        warn(message)
    if report:
        save_plan(plan, report)


@writes("output", "state", "report")
def draw_command(
    plan: str = typer.Option(..., "--plan", help="Plan JSON from `lrtk sample plan --report`."),
    output: str = opt.output(help="JSONL records; '-' = stdout."),
    seed: int = opt.seed("Seed of the language draws and shuffles."),
    state: Optional[str] = typer.Option(None, "--state", help="Resume from / save position to FILE."),
    take: Optional[int] = typer.Option(None, "--take", help="Stop after N records."),
    backend: str = typer.Option("python", "--backend", help="python|fairseq2."),
    report: Optional[str] = opt.report("Write counts per phase as JSON."),
) -> None:
    from lrtk.io import write_json, write_jsonl
    from lrtk.io.progress import info, progress
    from lrtk.sampling import load_plan
    from lrtk.sampling.draw import Draw

    run = Draw(load_plan(plan), seed=seed, backend=backend, state_path=state, take=take)
    total = run.plan.draws if take is None else min(take, run.plan.draws)
    write_jsonl(progress(run.records(), desc="sample", total=total), output)
    run.save_state()
    summary = run.summary()
    per_phase = "; ".join(f"phase {k}: " + ", ".join(f"{lang} {n}" for lang, n in v.items())
                          for k, v in summary["per_phase"].items())
    info(f"sample: drew {summary['drawn']} examples ({per_phase})"
         + ("" if summary["finished"] else "; more remain, resume with the same --state"))
    if report:
        write_json(summary, report)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Mix languages for training: plan the schedule, draw the stream.",
                        no_args_is_help=True)
    group.command("plan", help=PLAN_HELP, cls=opt.deprecated(
        {"--schedule": "--mix", "--json": "--report", "--field": "--text-field"}))(plan_command)
    group.command("draw", help=DRAW_HELP)(draw_command)
    app.add_typer(group, name="sample")
