"""`lrtk report`: one self-contained HTML page that shows a language-pair build at a glance.

    from lrtk.report import render_report
    html = render_report(Path("out/bn-en"), "bn-en on TICO-19")

Reads the reports a pipeline leaves in its WORK directory (pipelines/lib.sh) and lays them
out as tables and inline SVG plots. A section whose report is missing or unreadable is left
out with a one-line note; without matplotlib the page keeps its tables (one note says so).
"""

from __future__ import annotations

from pathlib import Path

from lrtk.charts import plots
from lrtk.report import data, model, stages
from lrtk.report.html import Section, page
from lrtk.report.work import Missing, Work

__all__ = ["SECTIONS", "build_sections", "render_report"]

# (anchor, title, builder) in the order of the build
SECTIONS = (
    ("stages", "Stages", stages.section),
    ("flow", "Where the data went", data.flow),
    ("filter", "Filter", data.filters),
    ("lengths", "Sentence lengths", data.lengths),
    ("tokenizer", "Tokenizer", data.tokenizer),
    ("plan", "Sampling plan", data.plan),
    ("train", "Training", model.train),
    ("tune", "Tuning", model.tune),
    ("eval", "Evaluation", model.evaluation),
    ("export", "Export", model.export),
    ("runtime", "Runtime", model.runtime),
)


def build_sections(work_dir: Path) -> list[Section]:
    work = Work(work_dir)
    sections = []
    for anchor, title, build in SECTIONS:
        try:
            sections.append(Section(anchor, title, build(work)))
        except Missing as m:
            sections.append(Section(anchor, title, note=str(m)))
        except (KeyError, TypeError, ValueError, IndexError) as err:
            # A report of another shape (an older lrtk, a hand edit): the other sections
            # still stand, and the note names what was not there.
            sections.append(Section(anchor, title, note=f"its report has unexpected content "
                                                        f"({type(err).__name__}: {err})"))
    return sections


def render_report(work_dir: Path, title: str, sections: list[Section] | None = None) -> str:
    sections = build_sections(work_dir) if sections is None else sections
    shown = sum(1 for s in sections if not s.note)
    notes = [] if plots.available() else [plots.MISSING_NOTE]
    return page(title, f"Build directory {work_dir} · {shown} of {len(sections)} sections.",
                notes, sections)
