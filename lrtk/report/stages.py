"""The report's first section: every stage of the build with what it kept or measured, the
lrtk commands it ran and its configuration fingerprint.

pipelines/lib.sh leaves reports/stages/NN-STAGE.config (what `pipelines/pair.sh PAIR --config
STAGE` prints: the stage's knobs, its shell code, for segment the raw inputs' checksums; Make
reruns a stage when this changes) and NN-STAGE.commands (its lrtk command lines). The
fingerprint shown is the start of that text's sha256.
"""

from __future__ import annotations

import hashlib
import re

from lrtk.pipeline_summary import ROWS
from lrtk.report.html import code, e, raw, table
from lrtk.report.work import Missing, Work

_KNOB = re.compile(r"^[A-Z][A-Z0-9_]*=")


def _tokenizer(work: Work) -> str | None:
    spm = work.optional(work.json, "tokenizer/spm.json")
    if spm is None:
        return None
    text = f"{spm['vocab_size']:,} pieces ({spm['options']['model_type']})"
    rep = work.optional(work.json, "reports/tokenizer.json")
    if rep:
        text += "; held-out fertility " + ", ".join(
            f"{r['lang']} {r['fertility']:.2f}" for r in rep["languages"])
    return text


def _sample(work: Work) -> str | None:
    plan = work.optional(work.json, "sample.plan.json")
    if plan is None:
        return None
    taus = " → ".join(f"{p['tau']:g}" for p in plan["phases"])
    return f"{plan['schedule']['kind']} τ {taus}, {plan['budget']:,.0f} {plan['unit']}"


def _results(work: Work) -> dict:
    """Stage -> one-line result: pipeline_summary's rows, plus the stages it leaves out."""
    rows = {name.split()[0]: (lambda w, row=row: row(w.root)) for name, row in ROWS}
    return {**rows, "tokenizer": _tokenizer, "sample": _sample}


def section(work: Work) -> str:
    folder = work.root / "reports" / "stages"
    records = sorted(folder.glob("*.config")) if folder.is_dir() else []
    if not records:
        raise Missing("reports/stages/ has no stage records (they are written by "
                      "pipelines/pair.sh)")
    results = _results(work)
    rows = []
    for record in records:
        stage = record.stem.split("-", 1)[-1]
        config = record.read_text(encoding="utf-8", errors="replace")
        knobs = "\n".join(line for line in config.splitlines() if _KNOB.match(line))
        fingerprint = hashlib.sha256(config.encode("utf-8")).hexdigest()[:12]
        commands = record.with_suffix(".commands")
        lines = commands.read_text(encoding="utf-8").splitlines() if commands.exists() else []
        rows.append((stage, _result(results.get(stage), work),
                     raw("<br>".join(code(c) for c in lines) or "-"),
                     raw(f"<details><summary><code>{fingerprint}</code></summary>"
                         f"<pre>{e(knobs)}</pre></details>")))
    body = table(("stage", "result", "lrtk commands", "fingerprint (knobs)"), rows)
    sample = work.optional(work.text, "run.txt")
    if sample:
        body += f"<p>Generated sample (native runtime):</p><pre>{e(sample.strip())}</pre>"
    return body


def _result(row, work: Work) -> str:
    if row is None:
        return "-"
    try:
        return row(work) or "-"
    except (KeyError, TypeError, ValueError) as err:  # a damaged report: say so, go on
        return f"unreadable report ({type(err).__name__}: {err})"
