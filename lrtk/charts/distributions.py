"""The corpus distributions that both the build report and the data card draw: sentence
lengths per language, the length ratio of the pairs, and the filter scores with their
thresholds."""

from __future__ import annotations

import math
from collections import Counter
from typing import Optional, Sequence

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


def histogram(values: Sequence[float], integer: bool = False,
              weights: Optional[Sequence[int]] = None) -> tuple[list[float], list[int]]:
    """Counts in at most BINS bins; integer values get whole-number bins so that no bin
    straddles two lengths unevenly. `weights` counts each value that many times (the same
    bins and counts as the values repeated)."""
    arr = np.asarray(values, dtype=float)
    if weights is not None:
        weights = np.asarray(weights, dtype=np.int64)
    if integer:
        lo, hi = int(arr.min()), int(arr.max())
        width = max(1, math.ceil((hi - lo + 1) / BINS))
        edges = lo + width * np.arange(math.ceil((hi - lo + 1) / width) + 1)
        counts, edges = np.histogram(arr, bins=edges, weights=weights)
    else:
        counts, edges = np.histogram(arr, bins=BINS, weights=weights)
    return [float(x) for x in edges], [int(c) for c in counts]


def words(text: str) -> int:
    return len(text.split())


def length_hists(src: Sequence[str], tgt: Sequence[str], langs: Sequence[str]) -> list[Hist]:
    """Words per sentence of each side and the source/target word ratio of each pair."""
    return counted_length_hists(Counter((words(s), words(t)) for s, t in zip(src, tgt)), langs)


def counted_length_hists(pairs: Counter, langs: Sequence[str]) -> list[Hist]:
    """length_hists from how many pairs have each (source words, target words): a corpus
    too large to hold has only a few thousand such counts."""
    hists = []
    for side, lang in enumerate(langs):
        per_side = Counter()
        for lengths, n in pairs.items():
            per_side[lengths[side]] += n
        if per_side:
            hists.append(Hist(f"words per sentence ({lang})",
                              *histogram(list(per_side), integer=True,
                                         weights=list(per_side.values()))))
    ratios = {(s, t): n for (s, t), n in pairs.items() if t}
    if ratios:
        hists.append(Hist(f"length ratio {langs[0]}/{langs[1]} (words)",
                          *histogram([s / t for s, t in ratios], weights=list(ratios.values()))))
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
