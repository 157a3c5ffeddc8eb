"""Plots of the build report and the data card: matplotlib figures as deterministic SVG.

matplotlib is an optional extra (`pip install 'lrtk[report]'`): without it every figure
function returns None and the callers keep their tables. Reruns give identical bytes: each
figure has its own fixed hash salt (matplotlib derives clip-path and marker ids from it, so
figures inlined into one page never share an id) and no date goes into the metadata. Text
stays text (svg.fonttype none), which keeps the files small and the labels searchable.

Every plotted series carries an id `<figure>-data-<n>` (kept in the SVG): a test, or a
person reading the file, can tell data from axes and labels.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

MISSING_NOTE = "Plots are left out: matplotlib is not installed (pip install 'lrtk[report]')."

# Colour-blind-safe (Okabe-Ito), in the order series are drawn.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
MARK_COLOURS = ("#D55E00", "#555555", "#CC79A7", "#009E73")


@dataclass
class Hist:
    """One pre-binned histogram; `lines` are (label, x) drawn across it (thresholds)."""

    title: str
    edges: Sequence[float]
    counts: Sequence[int]
    lines: Sequence[tuple[str, float]] = ()


@dataclass
class Series:
    label: str
    x: Sequence[float]
    y: Sequence[float]
    points: bool = False  # few values (held-out evaluations): markers on the line


@dataclass
class Panel:
    ylabel: str
    series: list[Series] = field(default_factory=list)


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def bars(name: str, categories: Sequence[str], series: dict[str, Sequence[float]],
         xlabel: str, log: bool = False) -> str | None:
    """Horizontal grouped bars: one row per category (top to bottom), one bar per series."""
    if not categories or not series:
        return None

    def draw(fig):
        ax = fig.add_subplot()
        height = 0.8 / len(series)
        for k, (label, values) in enumerate(series.items()):
            ys = [i + (k - (len(series) - 1) / 2) * height for i in range(len(categories))]
            bars_ = ax.barh(ys, values, height=height, label=label, color=COLOURS[k % len(COLOURS)])
            for j, patch in enumerate(bars_):
                patch.set_gid(f"{name}-data-{k}-{j}")
            ax.bar_label(bars_, labels=[_short(v) for v in values], padding=2, fontsize=7)
        ax.set_yticks(range(len(categories)), categories)
        ax.invert_yaxis()
        ax.set_xlabel(xlabel)
        if log:
            ax.set_xscale("log")
        ax.margins(x=0.15)
        if len(series) > 1:
            ax.legend(loc="lower right", fontsize=7)

    return _svg(name, draw, (7.0, 0.9 + 0.32 * len(categories) * max(1, len(series) / 1.5)))


def histograms(name: str, hists: Sequence[Hist], columns: int = 3) -> str | None:
    """A grid of small histograms, each with its threshold lines."""
    hists = [h for h in hists if len(h.counts)]
    if not hists:
        return None
    columns = min(columns, len(hists))
    rows = -(-len(hists) // columns)

    def draw(fig):
        axes = fig.subplots(rows, columns, squeeze=False)
        for i, ax in enumerate(axes.flat):
            if i >= len(hists):
                ax.set_visible(False)
                continue
            h = hists[i]
            # one filled outline per histogram: a small file, however many bins
            ax.stairs(h.counts, h.edges, fill=True, color=COLOURS[0],
                      gid=f"{name}-data-{i}")
            for k, (label, x) in enumerate(h.lines):
                ax.axvline(x, color=MARK_COLOURS[k % len(MARK_COLOURS)], linestyle="--",
                           linewidth=1.2, label=label)
            if h.lines:
                ax.legend(fontsize=6, loc="best")
            ax.set_title(h.title, fontsize=8)
            ax.tick_params(labelsize=6)
            ax.locator_params(nbins=4)  # small panels: a few ticks read better (and weigh less)

    return _svg(name, draw, (7.0, 1.9 * rows + 0.3))


def curves(name: str, panels: Sequence[Panel], marks: Sequence[tuple[str, float]] = (),
           xlabel: str = "step") -> str | None:
    """Stacked panels sharing the x axis (losses, then the learning rate); `marks` are
    (label, x) vertical lines drawn on every panel (cooldown switch, decay start, stages)."""
    panels = [p for p in panels if any(len(s.x) for s in p.series)]
    if not panels:
        return None

    def draw(fig):
        axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False,
                            height_ratios=[2] + [1] * (len(panels) - 1))[:, 0]
        n = 0
        for ax, panel in zip(axes, panels):
            for k, s in enumerate(panel.series):
                (line,) = ax.plot(s.x, s.y, marker="o" if s.points else None, markersize=3,
                                  linewidth=1.0 if not s.points else 1.4, label=s.label,
                                  color=COLOURS[k % len(COLOURS)])
                line.set_gid(f"{name}-data-{n}")
                n += 1
            for k, (label, x) in enumerate(marks):
                ax.axvline(x, color=MARK_COLOURS[k % len(MARK_COLOURS)], linestyle="--",
                           linewidth=1.0, label=label if ax is axes[0] else None)
            ax.set_ylabel(panel.ylabel)
            ax.grid(alpha=0.3)
            ax.tick_params(labelsize=7)
        # beside the panels: noisy curves leave no free corner inside them
        axes[0].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
        axes[-1].set_xlabel(xlabel)

    return _svg(name, draw, (9.0, 2.4 + 1.4 * (len(panels) - 1)))


def _short(v: float) -> str:
    if v >= 100 or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:.3g}"


_ID = re.compile(r' id="([^"]+)"')
_REF = re.compile(r"#([\w.-]+)")


def _svg(name: str, draw: Callable, size: tuple[float, float]) -> str | None:
    if not available():
        return None
    import matplotlib
    from matplotlib.figure import Figure

    style = {"svg.hashsalt": f"lrtk-{name}", "svg.fonttype": "none", "font.size": 8,
             "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
             "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(style):
        fig = Figure(figsize=size, layout="constrained")
        draw(fig)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    svg = out.getvalue()
    # matplotlib numbers every group (figure_1, patch_3, ...): the same ids in every figure,
    # which would repeat when several are inlined. Only ids something refers to (clip paths,
    # markers: salted, so unique) and the data ids are kept.
    refs = set(_REF.findall(svg))
    return _ID.sub(lambda m: m.group(0) if m.group(1) in refs or "-data-" in m.group(1) else "",
                   svg)


def inline(svg: str) -> str:
    """The <svg> element alone (no XML declaration or doctype), for an HTML page."""
    return svg[svg.index("<svg"):]
