"""The data card: YAML front matter (machine-readable facts) and a Markdown body.

Nothing time-dependent goes in: the card is part of the reproducible build output.
"""

from __future__ import annotations

import statistics
from typing import Sequence

import yaml

from lrtk.corpus.config import CorpusConfig
from lrtk.corpus.sources import Entry

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


def render_card(front: dict, config: CorpusConfig) -> str:
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
    ]
    head = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{head}---\n\n" + "\n".join(body).rstrip("\n") + "\n"
