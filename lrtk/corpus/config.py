"""The corpus config: what to build, from which sources, under which licences.

    name: tico19-bn-en
    src_lang: bn
    tgt_lang: en
    description: TICO-19 COVID-19 sentences, Bengali-English.   # optional
    intended_use: Training and evaluating bn-en MT.               # optional
    known_issues: [Medical domain only.]                          # optional
    sources:
      - name: tico19
        licence: CC0-1.0
        path: pairs.jsonl            # sentence-pair JSONL ('-' = stdin), or
        # format: tsv                # src<TAB>tgt lines, or
        # src_path: x.bn             # two parallel plain-text files
        # tgt_path: x.en
        filter_report: filter.json   # optional: `lrtk filter --report`, shown on the card
    monolingual:                     # optional, one sentence per line (or JSONL "text")
      - {name: news, licence: CC-BY-4.0, path: news.bn, lang: bn}
    splits: {test: 500, dev: 500, train: rest}   # or fractions {train: 0.9, dev: 0.05, test: 0.05}

Relative paths are relative to the config file, so a config and its data move together.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Optional

import regex
import yaml

from lrtk.errors import UsageError
from lrtk.io.lines import open_lines

REST = "rest"
_NAME = regex.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclasses.dataclass(frozen=True)
class Source:
    name: str
    licence: str
    path: str = ""  # JSONL/TSV pairs, or '-' for stdin
    format: str = "jsonl"
    src_path: str = ""
    tgt_path: str = ""
    lang: str = ""  # monolingual sources only
    filter_report: str = ""

    def inputs(self) -> list[str]:
        return [p for p in (self.path, self.src_path, self.tgt_path) if p]


@dataclasses.dataclass(frozen=True)
class CorpusConfig:
    path: str
    name: str
    src_lang: str
    tgt_lang: str
    sources: tuple[Source, ...]
    monolingual: tuple[Source, ...]
    splits: dict
    description: str = ""
    intended_use: str = ""
    known_issues: tuple[str, ...] = ()

    def resolve(self, path: str) -> str:
        """A config-relative path made usable from the current directory."""
        if path == "-" or os.path.isabs(path):
            return path
        return os.path.join(os.path.dirname(self.path), path)


def _error(path: str, message: str, hint: Optional[str] = None) -> UsageError:
    return UsageError(message, path=path, hint=hint)


def _source(path: str, where: str, entry, mono: bool) -> Source:
    if not isinstance(entry, dict):
        raise _error(path, f"{where}: expected a mapping with name, licence and a path")
    allowed = {f.name for f in dataclasses.fields(Source)}
    unknown = set(entry) - allowed
    if unknown:
        raise _error(path, f"{where}: unknown key(s) {', '.join(sorted(unknown))}",
                     hint=f"keys: {', '.join(sorted(allowed))}")
    for key in ("name", "licence"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise _error(path, f"{where}: '{key}' is required",
                         hint="every source must name its licence, e.g. licence: CC-BY-4.0")
    if not all(isinstance(v, str) for v in entry.values()):
        raise _error(path, f"{where}: every value must be a string")
    src = Source(**entry)
    if mono:
        if not src.path or not src.lang:
            raise _error(path, f"{where}: a monolingual source needs 'path' and 'lang'")
    elif bool(src.path) == bool(src.src_path and src.tgt_path):
        raise _error(path, f"{where}: give either 'path' or both 'src_path' and 'tgt_path'")
    if src.format not in ("jsonl", "tsv"):
        raise _error(path, f"{where}: format must be jsonl or tsv, not {src.format!r}")
    return src


def _splits(path: str, spec) -> dict:
    if spec is None:
        return {"train": REST}
    if not isinstance(spec, dict) or not spec:
        raise _error(path, "'splits' must map split names to sizes",
                     hint="e.g. splits: {test: 500, dev: 500, train: rest}")
    rest = [k for k, v in spec.items() if v == REST]
    sizes = {k: v for k, v in spec.items() if v != REST}
    ints = all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in sizes.values())
    fracs = all(isinstance(v, float) and 0 < v <= 1 for v in sizes.values())
    if len(rest) > 1 or not (ints or fracs) or not all(_NAME.match(str(k)) for k in spec):
        raise _error(path, "splits must be all whole sizes or all fractions in (0, 1], "
                           "with at most one 'rest'",
                     hint="e.g. {test: 500, train: rest} or {train: 0.9, dev: 0.05, test: 0.05}")
    if fracs and sizes and not rest and abs(sum(sizes.values()) - 1) > 1e-9:
        raise _error(path, f"split fractions sum to {sum(sizes.values()):g}, not 1",
                     hint="make them sum to 1 or let one split be 'rest'")
    if fracs and sum(sizes.values()) > 1 + 1e-9:
        raise _error(path, "split fractions sum to more than 1")
    if ints and not rest:
        raise _error(path, "with fixed split sizes one split must be 'rest'")
    return dict(spec)


def load_config(path: str) -> CorpusConfig:
    try:
        doc = yaml.safe_load(open_lines(path))
    except yaml.YAMLError as e:
        raise _error(path, f"not valid YAML: {e}") from None
    if not isinstance(doc, dict):
        raise _error(path, "expected a mapping (name, src_lang, tgt_lang, sources, ...)")
    for key in ("name", "src_lang", "tgt_lang"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            raise _error(path, f"'{key}' is required")
    if not _NAME.match(doc["name"]):
        raise _error(path, f"name {doc['name']!r} must be letters, digits, '.', '_' or '-'",
                     hint="it names the data card file")
    if not isinstance(doc.get("sources"), list) or not doc["sources"]:
        raise _error(path, "'sources' must list at least one sentence-pair source")
    known = {"name", "src_lang", "tgt_lang", "sources", "monolingual", "splits",
             "description", "intended_use", "known_issues"}
    unknown = set(doc) - known
    if unknown:
        raise _error(path, f"unknown key(s) {', '.join(sorted(unknown))}",
                     hint=f"keys: {', '.join(sorted(known))}")
    sources = tuple(_source(path, f"sources[{i}]", e, False)
                    for i, e in enumerate(doc["sources"], 1))
    mono = tuple(_source(path, f"monolingual[{i}]", e, True)
                 for i, e in enumerate(doc.get("monolingual") or [], 1))
    names = [s.name for s in sources + mono]
    if len(set(names)) != len(names):
        raise _error(path, "source names must be unique")
    if sum(s.path == "-" for s in sources + mono) > 1:
        raise _error(path, "only one source can read stdin ('-')")
    issues = doc.get("known_issues") or []
    if isinstance(issues, str):
        issues = [issues]
    return CorpusConfig(path=str(path), name=doc["name"], src_lang=doc["src_lang"],
                        tgt_lang=doc["tgt_lang"], sources=sources, monolingual=mono,
                        splits=_splits(path, doc.get("splits")),
                        description=str(doc.get("description") or ""),
                        intended_use=str(doc.get("intended_use") or ""),
                        known_issues=tuple(str(i) for i in issues))
