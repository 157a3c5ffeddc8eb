"""The data card: YAML front matter (machine-readable facts) and a Markdown body, with its
plots written beside it as SVG files (CARD_STEM.lengths.svg, CARD_STEM.filter-SOURCE.svg)
and linked by relative name, so the card renders with its plots on any git host.

Nothing time-dependent goes in: the card and its plots are part of the reproducible build
output (lrtk.charts.plots makes the SVG bytes repeatable).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Sequence
from urllib.parse import quote

import yaml

from lrtk.corpus.config import CorpusConfig
from lrtk.io import atomic_output
from lrtk.charts import plots
from lrtk.charts.distributions import counted_length_hists, filter_hists

DEFAULT_USE = ("Training and evaluating machine translation and language models for the "
               "languages above. Use the dev/test splits only for evaluation: they are "
               "disjoint from train by content hash.")


class LengthStats:
    """Sentence lengths of one part and language, counted as the sentences pass: words per
    sentence as a count per length (so the median is exact), characters as a sum."""

    def __init__(self):
        self.words: Counter = Counter()
        self.chars = 0

    def add(self, text: str) -> None:
        self.words[len(text.split())] += 1
        self.chars += len(text)

    def update(self, other: "LengthStats") -> None:
        self.words.update(other.words)
        self.chars += other.chars

    def as_dict(self) -> dict:
        n = sum(self.words.values())
        if not n:
            return {"sentences": 0}
        lengths = sorted(self.words)
        total = sum(k * c for k, c in self.words.items())
        return {"sentences": n,
                # statistics.fmean of the values: their exact sum over the count
                "words_mean": round(float(total) / n, 2),
                "words_median": float(_median(lengths, self.words, n)),
                "words_min": lengths[0],
                "words_max": lengths[-1],
                "chars_mean": round(float(self.chars) / n, 2)}


def _median(lengths: list[int], counts: Counter, n: int):
    """statistics.median of the counted values: the middle one, or the mean of the two."""
    def nth(i: int) -> int:
        for k in lengths:
            i -= counts[k]
            if i < 0:
                return k
        raise IndexError(i)

    return nth(n // 2) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2


class CorpusLengths:
    """Every length statistic of the card, from the texts written (each once)."""

    def __init__(self, config: CorpusConfig, splits: Sequence[str], mono_langs: Sequence[str]):
        self.langs = (config.src_lang, config.tgt_lang)
        self.parts = {name: {lang: LengthStats() for lang in self.langs} for name in splits}
        self.parts.update({f"mono.{lang}": {lang: LengthStats()} for lang in mono_langs})
        self.pairs: Counter = Counter()  # (source words, target words) of every pair

    def add_pair(self, split: str, texts: Sequence[str]) -> None:
        for lang, text in zip(self.langs, texts):
            self.parts[split][lang].add(text)
        self.pairs[tuple(len(t.split()) for t in texts)] += 1

    def add_mono(self, lang: str, text: str) -> None:
        self.parts[f"mono.{lang}"][lang].add(text)

    def update(self, other: "CorpusLengths") -> None:
        """Add the counts of `other` (the statistics of another part of the same corpus)."""
        for part, langs in other.parts.items():
            for lang, stats in langs.items():
                self.parts[part][lang].update(stats)
        self.pairs.update(other.pairs)

    def as_dict(self) -> dict:
        return {part: {lang: s.as_dict() for lang, s in langs.items()}
                for part, langs in self.parts.items()}


def _table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def card_figures(path: str, lengths: CorpusLengths,
                 filter_reports: dict[str, dict]) -> dict[str, str | None]:
    """The SVG of every plot of the card at `path` (None: nothing to plot), by key: drawn
    apart from the card's text, which needs every output's hash, so that the merge can draw
    them while the outputs are written."""
    stem = os.path.splitext(os.path.basename(path))[0]
    figures = {"lengths": plots.histograms(
        f"{stem}-lengths", counted_length_hists(lengths.pairs, lengths.langs))}
    for name, rep in filter_reports.items():
        key = "filter-" + re.sub(r"[^\w.-]+", "_", name)
        figures[key] = plots.histograms(f"{stem}-{key}", filter_hists(rep))
    return figures


def write_card(path: str, front: dict, config: CorpusConfig,
               figures: dict[str, str | None]) -> None:
    """The card at `path` and its plots (card_figures) beside it (each file replaced
    atomically)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem = os.path.splitext(os.path.basename(path))[0]
    links = {}
    for key, svg in figures.items():
        if svg is not None:
            with atomic_output(os.path.join(folder, f"{stem}.{key}.svg")) as fh:
                fh.write(svg)
            links[key] = quote(f"{stem}.{key}.svg")
    with atomic_output(path) as fh:
        fh.write(render_card(front, config, links))


def _plot(links: dict[str, str], key: str, alt: str, caption: str) -> list[str]:
    if key not in links:
        return []
    return [f"![{alt}]({links[key]})", "", caption, ""]


def render_card(front: dict, config: CorpusConfig, links: dict[str, str] | None = None) -> str:
    """The card's text; `links` maps a plot ("lengths", "filter-SOURCE") to its file."""
    links = links or {}
    counts = front["counts"]
    sources = ", ".join(f"{s['name']} ({s['licence']})" for s in front["sources"])
    description = config.description or (
        f"{config.src_lang}-{config.tgt_lang} sentence pairs built by `lrtk corpus build` "
        f"from {sources}.")
    issues = list(config.known_issues)
    issues.append(f"{counts['read'] - counts['near_dedup']} of {counts['read']} pairs were "
                  "dropped as empty or (near-)duplicates; near-duplicates differ only in case, "
                  "punctuation or digits, so number variants of a sentence were kept once.")
    if front["decontamination"]["excluded_files"]:
        issues.append(f"{front['decontamination']['removed']} pairs overlapping the excluded "
                      "evaluation sets were removed; overlap with other test sets is unchecked.")
    else:
        issues.append("No evaluation sets were excluded: check overlap before evaluating on "
                      "public test sets.")
    if not front["filters"]:
        issues.append("No `lrtk filter` report was given: misaligned pairs may remain.")
    steps = [("read", counts["read"]), ("normalised (non-empty)", counts["normalised"]),
             ("exact duplicates removed", counts["exact_dedup"]),
             ("near duplicates removed", counts["near_dedup"]),
             ("decontaminated", counts["decontaminated"])]
    steps += [(f"split {k}", v) for k, v in counts["splits"].items()]
    length_rows = [(part, lang, s.get("sentences", 0), s.get("words_mean", "-"),
                    s.get("words_median", "-"), s.get("words_min", "-"), s.get("words_max", "-"),
                    s.get("chars_mean", "-"))
                   for part, langs in front["lengths"].items() for lang, s in langs.items()]
    body = [
        f"# {config.name}", "",
        "## Description", "", description, "",
        "## Intended use", "", config.intended_use or DEFAULT_USE, "",
        "## Known issues", "", *[f"- {i}" for i in issues], "",
        "## Processing", "",
        _table(("step", "pairs after"), steps), "",
        f"Splits: {front['splits']['method']}.", "",
        "## Length statistics", "",
        _table(("part", "language", "sentences", "words mean", "words median", "words min",
                "words max", "chars mean"), length_rows), "",
        *_plot(links, "lengths", "Sentence lengths",
               "Words per sentence in each language and the word ratio of the pairs, over "
               "every split."),
    ]
    filter_plots = [k for k in links if k.startswith("filter-")]
    if filter_plots:
        body += ["## Filter scores", ""]
        for key in filter_plots:
            body += _plot(links, key, f"Filter scores of {key[len('filter-'):]}",
                          f"`lrtk filter` scores of source {key[len('filter-'):]}: every score "
                          "over the pairs that filter saw; dashed lines are the thresholds.")
    if not plots.available():
        body += [f"_{plots.MISSING_NOTE}_", ""]
    head = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{head}---\n\n" + "\n".join(body).rstrip("\n") + "\n"
