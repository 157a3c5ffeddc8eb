"""The data card: YAML front matter (machine-readable facts) and a Markdown body, with its
plots written beside it as SVG files (CARD_STEM.lengths.svg, CARD_STEM.filter-SOURCE.svg)
and linked by relative name, so the card renders with its plots on any git host.

Nothing time-dependent goes in: the card and its plots are part of the reproducible build
output (lrtk.charts.plots makes the SVG bytes repeatable).
"""

from __future__ import annotations

import os
import re
import statistics
from typing import Sequence
from urllib.parse import quote

import yaml

from lrtk.corpus.config import CorpusConfig
from lrtk.corpus.sources import Entry
from lrtk.io import atomic_output
from lrtk.charts import plots
from lrtk.charts.distributions import filter_hists, length_hists

DEFAULT_USE = ("Training and evaluating machine translation and language models for the "
               "languages above. Use the dev/test splits only for evaluation: they are "
               "disjoint from train by content hash.")


def length_stats(texts: Sequence[str]) -> dict:
    words = [len(t.split()) for t in texts]
    if not words:
        return {"sentences": 0}
    return {"sentences": len(words),
            "words_mean": round(statistics.fmean(words), 2),
            "words_median": float(statistics.median(words)),
            "words_min": min(words),
            "words_max": max(words),
            "chars_mean": round(statistics.fmean(len(t) for t in texts), 2)}


def corpus_lengths(config: CorpusConfig, splits: dict[str, list[Entry]],
                   mono: dict[str, list[Entry]]) -> dict:
    out = {}
    for name, entries in splits.items():
        out[name] = {config.src_lang: length_stats([e.texts[0] for e in entries]),
                     config.tgt_lang: length_stats([e.texts[1] for e in entries])}
    for lang, entries in mono.items():
        out[f"mono.{lang}"] = {lang: length_stats([e.texts[0] for e in entries])}
    return out


def _table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_card(path: str, front: dict, config: CorpusConfig, splits: dict[str, list[Entry]],
               filter_reports: dict[str, dict]) -> None:
    """The card at `path` and its plots beside it (each file replaced atomically)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem = os.path.splitext(os.path.basename(path))[0]
    pairs = [e.texts for entries in splits.values() for e in entries]
    figures = {"lengths": plots.histograms(
        f"{stem}-lengths", length_hists([p[0] for p in pairs], [p[1] for p in pairs],
                                        (config.src_lang, config.tgt_lang)))}
    for name, rep in filter_reports.items():
        key = "filter-" + re.sub(r"[^\w.-]+", "_", name)
        figures[key] = plots.histograms(f"{stem}-{key}", filter_hists(rep))
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
