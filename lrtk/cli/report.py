"""`lrtk report`: a build of a language pair as one static HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from lrtk.cli import options as opt

ORDER = 130

HELP = """Write one self-contained HTML page of a pipeline's build (no server, no network).

OUT_DIR is a pipeline's WORK directory (out/bn-en after `make bn-en`). The page has the
stage table (results, lrtk commands, configuration fingerprints), the counts from documents
to splits, filter rejections with score histograms and rejected samples, sentence lengths,
tokenizer fertility, the sampling plan, training and tuning curves, evaluation scores,
export sizes and runtime speed. A section whose report is missing is left out with a note.
Plots need matplotlib (pip install 'lrtk[report]'); without it the page has tables only.

Example:

\b
  lrtk report out/bn-en -o out/bn-en/report.html --title "bn-en on TICO-19"
"""


def report_command(
    work: str = typer.Argument(..., metavar="OUT_DIR",
                               help="A pipeline's WORK directory, e.g. out/bn-en."),
    output: Optional[str] = opt.output(None, "HTML file to write [default: "
                                             "OUT_DIR/report.html]; '-' = stdout."),
    title: Optional[str] = typer.Option(None, "--title",
                                        help="Page title [default: OUT_DIR's name]."),
) -> None:
    from lrtk.errors import UsageError
    from lrtk.io import atomic_output
    from lrtk.io.progress import info
    from lrtk.report import build_sections, render_report

    root = Path(work)
    if not root.is_dir():
        raise UsageError("not a directory", path=work,
                         hint="give a pipeline's WORK directory, such as out/bn-en")
    sections = build_sections(root)
    if all(s.note for s in sections):
        raise UsageError("none of a build's reports is here", path=work,
                         hint="give a pipeline's WORK directory, such as out/bn-en")
    out = output or str(root / "report.html")
    if Path(out).is_dir():
        raise UsageError("is a directory", path=out, hint="give the HTML file to write")
    with atomic_output(out) as fh:
        fh.write(render_report(root, title or root.resolve().name, sections))
    left_out = [s.title for s in sections if s.note]
    info(f"report: wrote {out}" + (f" (left out: {', '.join(left_out)})" if left_out else ""))


def register(app: typer.Typer) -> None:
    app.command("report", help=HELP)(report_command)
