"""The corpus distributions that both the build report and the data card draw: sentence
lengths per language, the length ratio of the pairs, and the filter scores with their
thresholds."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from lrtk.charts.plots import Hist

BINS = 30

# Which option of a filter (as `lrtk filter --report` lists them) cuts which of its scores;
# "*" is every score of that filter. The report names options only, not what they apply to
# (langid's min_letters, margin's k are no thresholds), so the histograms need this to draw
# the line. A filter not listed here still gets its histograms, without a line.
THRESHOLDS: dict[str, dict[str, tuple[str, ...]]] = {
    "length": {"*": ("min_words", "max_words")},
    "length_ratio": {"ratio": ("max_ratio",)},
    "markup": {"*": ("max_ratio",)},
    "repetition": {"*": ("max_repeats",)},
    "script_ratio": {"*": ("min_ratio",)},
    "non_native": {"*": ("max_ratio",)},
    "copy": {"overlap": ("max_overlap",)},
    "langid": {"*": ("min_prob",)},
    "numerals": {"agreement": ("min_agreement",)},
    "lexical": {"similarity": ("min_similarity",)},
    "margin": {"margin": ("threshold",)},
}


def histogram(values: Sequence[float], integer: bool = False) -> tuple[list[float], list[int]]:
    """Counts in at most BINS bins; integer values get whole-number bins so that no bin
    straddles two lengths unevenly."""
    arr = np.asarray(values, dtype=float)
    if integer:
        lo, hi = int(arr.min()), int(arr.max())
        width = max(1, math.ceil((hi - lo + 1) / BINS))
        edges = lo + width * np.arange(math.ceil((hi - lo + 1) / width) + 1)
        counts, edges = np.histogram(arr, bins=edges)
    else:
        counts, edges = np.histogram(arr, bins=BINS)
    return [float(x) for x in edges], [int(c) for c in counts]


def words(text: str) -> int:
    return len(text.split())


def length_hists(src: Sequence[str], tgt: Sequence[str], langs: Sequence[str]) -> list[Hist]:
    """Words per sentence of each side and the source/target word ratio of each pair."""
    hists = []
    for lang, texts in zip(langs, (src, tgt)):
        if texts:
            hists.append(Hist(f"words per sentence ({lang})",
                              *histogram([words(t) for t in texts], integer=True)))
    ratios = [words(s) / words(t) for s, t in zip(src, tgt) if words(t)]
    if ratios:
        hists.append(Hist(f"length ratio {langs[0]}/{langs[1]} (words)", *histogram(ratios)))
    return hists


def filter_hists(report: dict) -> list[Hist]:
    """One histogram per filter score, in chain order, each with its threshold lines."""
    options = {f["name"]: f for f in report.get("filters", [])}
    order = {name: i for i, name in enumerate(options)}
    hists = []
    for key in sorted(report.get("histograms", {}),
                      key=lambda k: (order.get(k.split(".")[0], len(order)), k)):
        name, _, score = key.partition(".")
        h = report["histograms"][key]
        cuts = THRESHOLDS.get(name, {})
        lines = [(f"{opt} {options[name][opt]:g}", float(options[name][opt]))
                 for opt in cuts.get(score, cuts.get("*", ())) if opt in options.get(name, {})]
        hists.append(Hist(key, h["edges"], h["counts"], lines))
    return hists
