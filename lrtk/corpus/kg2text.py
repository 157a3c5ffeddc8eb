"""Knowledge-graph triples as sentences: ConceptNet-style (relation, head, tail, language)
rows rendered with per-relation templates of each language, for adapter training on
knowledge-graph data alongside free text.

Input: TSV, or CSV when the first row has no tab (ConceptNet's own *.csv dump is
tab-separated), in one of three layouts, told apart by the first row:
  - a header naming the columns relation, head, tail and optionally lang/language;
  - ConceptNet's assertion dump: /a/[...] URI, relation, head, tail, JSON info (5 columns);
  - headerless relation, head, tail[, lang].
ConceptNet URIs are cleaned: /r/IsA -> IsA, /c/bn/বই/n -> বই (language bn). A row without a
language column takes its head's URI language; a head and tail of different languages (a
translation link) counts as another language and is skipped.

Templates are YAML files lrtk/corpus/kg_templates/<lang>.yaml mapping a relation to a
template or a list of them, with {head} and {tail}; a user file (--templates) maps
language -> relation -> template(s) and adds to or overrides them. Output is the text
record {"id", "lang", "text"} every stage reads, deduplicated per language.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import resources
from typing import Iterable, Iterator

from lrtk.errors import DataError, UsageError
from lrtk.io.lines import display_name, read_lines

LANG_KEYS = ("lang", "language")


@dataclass(frozen=True)
class Triple:
    relation: str
    head: str
    tail: str
    lang: str | None  # None: neither a column nor the URIs say (skipped as other language)


@dataclass
class KgStats:
    rows: int = 0
    written: int = 0
    duplicates: int = 0
    no_template: Counter = field(default_factory=Counter)      # relation -> rows
    other_language: Counter = field(default_factory=Counter)   # language -> rows
    relations: dict = field(default_factory=lambda: defaultdict(Counter))  # lang -> relation

    def to_dict(self) -> dict:
        return {"rows": self.rows, "written": self.written, "duplicates": self.duplicates,
                "skipped": {"no_template": dict(sorted(self.no_template.items())),
                            "other_language": dict(sorted(self.other_language.items()))},
                "relations": {lang: dict(sorted(c.items()))
                              for lang, c in sorted(self.relations.items())}}


def clean_relation(value: str) -> str:
    """/r/IsA -> IsA; a plain name stays as it is."""
    value = value.strip()
    return value[3:] if value.startswith("/r/") else value


def clean_concept(value: str) -> tuple[str, str | None]:
    """(text, language) of a concept: /c/LANG/TEXT[/pos/...] with _ for spaces, or plain text
    (language None)."""
    value = value.strip()
    if value.startswith("/c/"):
        parts = value.split("/")
        if len(parts) >= 4 and parts[2] and parts[3]:
            return parts[3].replace("_", " ").strip(), parts[2]
    return value, None


def _split(text: str, delimiter: str) -> list[str]:
    return next(csv.reader([text], delimiter=delimiter)) if delimiter == "," else text.split("\t")


def read_triples(path: str) -> Iterator[tuple[Triple, str, int]]:
    """(triple, file name, line) of every row of a TSV/CSV triple file."""
    name = display_name(path)
    columns: dict[str, int] | None = None
    delimiter = "\t"
    for lineno, text in read_lines(path):
        if not text.strip():
            continue
        if columns is None:
            delimiter = "\t" if "\t" in text else ","
        cells = _split(text, delimiter)
        if columns is None:
            columns = _layout(cells, name, lineno)
            if columns.pop("header", None):
                continue
        if len(cells) <= max(columns.values()):
            raise DataError(f"expected at least {max(columns.values()) + 1} fields, found "
                            f"{len(cells)}", path=name, line=lineno,
                            hint="rows are relation, head, tail[, lang], separated by "
                                 + ("commas" if delimiter == "," else "tabs"))
        head, head_lang = clean_concept(cells[columns["head"]])
        tail, tail_lang = clean_concept(cells[columns["tail"]])
        lang = (cells[columns["lang"]].strip() if "lang" in columns else "") or head_lang
        if head_lang and tail_lang and head_lang != tail_lang:
            lang = f"{head_lang}-{tail_lang}"
        if not head or not tail:
            raise DataError("empty head or tail concept", path=name, line=lineno)
        yield Triple(clean_relation(cells[columns["relation"]]), head, tail, lang or None), \
            name, lineno


def _layout(cells: list[str], name: str, lineno: int) -> dict[str, int]:
    lowered = [c.strip().lower() for c in cells]
    if {"relation", "head", "tail"} <= set(lowered):
        layout = {key: lowered.index(key) for key in ("relation", "head", "tail")}
        for key in LANG_KEYS:
            if key in lowered:
                layout["lang"] = lowered.index(key)
        return {**layout, "header": 1}
    if cells[0].startswith("/a/") and len(cells) >= 4:
        return {"relation": 1, "head": 2, "tail": 3}
    if len(cells) in (3, 4):
        return {"relation": 0, "head": 1, "tail": 2, **({"lang": 3} if len(cells) == 4 else {})}
    raise DataError(f"cannot tell the columns of a row of {len(cells)} fields", path=name,
                    line=lineno, hint="give a header relation, head, tail, lang, or "
                                      "ConceptNet's 5-column assertion rows")


def _check_templates(table, where: str) -> dict[str, list[str]]:
    """relation -> templates, each holding {head} and {tail} and nothing else in braces."""
    if not isinstance(table, dict):
        raise DataError("templates must map a relation to a template or a list of them",
                        path=where)
    out = {}
    for relation, value in table.items():
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not items or not all(isinstance(t, str) for t in items):
            raise DataError(f"relation {relation!r}: a template must be a string or a list of "
                            "strings", path=where)
        for template in items:
            try:
                rendered = template.format(head="\0", tail="\0")
            except (KeyError, IndexError, ValueError) as e:
                raise DataError(f"relation {relation!r}: bad template {template!r} ({e})",
                                path=where, hint="use only {head} and {tail}") from None
            if rendered.count("\0") != 2:
                raise DataError(f"relation {relation!r}: template {template!r} must use {{head}} "
                                "and {tail} once each", path=where)
        out[str(relation)] = items
    return out


def _yaml(path_or_text, where: str):
    import yaml

    try:
        return yaml.safe_load(path_or_text)
    except yaml.YAMLError as e:
        raise DataError(f"invalid YAML: {' '.join(str(e).split())}", path=where) from None


def builtin_languages() -> list[str]:
    folder = resources.files("lrtk.corpus").joinpath("kg_templates")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_templates(extra: str | None = None) -> dict[str, dict[str, list[str]]]:
    """language -> relation -> templates: the built-in files, then `extra` over them."""
    folder = resources.files("lrtk.corpus").joinpath("kg_templates")
    templates = {}
    for lang in builtin_languages():
        entry = folder.joinpath(f"{lang}.yaml")
        templates[lang] = _check_templates(_yaml(entry.read_text(encoding="utf-8"), str(entry)),
                                           str(entry))
    if extra is not None:
        from lrtk.io.lines import open_lines

        try:
            user = _yaml(open_lines(extra), extra)
        except FileNotFoundError:
            raise UsageError("templates file not found", path=extra) from None
        if not isinstance(user, dict):
            raise DataError("a templates file maps a language to its relations' templates",
                            path=extra, hint="e.g. bn: {IsA: \"{head} এক ধরনের {tail}।\"}")
        for lang, table in user.items():
            templates.setdefault(str(lang), {}).update(_check_templates(table, extra))
    return templates


def pick(templates: list[str], triple: Triple) -> str:
    """One of a relation's templates, the same for a triple on every run."""
    if len(templates) == 1:
        return templates[0]
    key = f"{triple.relation}\t{triple.head}\t{triple.tail}".encode("utf-8")
    return templates[int.from_bytes(hashlib.sha1(key).digest()[:4], "big") % len(templates)]


def render(rows: Iterable[tuple[Triple, str, int]], templates: dict[str, dict[str, list[str]]],
           langs: Iterable[str], stats: KgStats) -> Iterator[dict]:
    """Text records of the triples in `langs`, first occurrence of each sentence only."""
    wanted = set(langs)
    seen: dict[str, set[str]] = defaultdict(set)
    for triple, _, _ in rows:
        stats.rows += 1
        if triple.lang not in wanted:
            stats.other_language[triple.lang or "unknown"] += 1
            continue
        table = templates.get(triple.lang, {})
        if triple.relation not in table:
            stats.no_template[triple.relation] += 1
            continue
        text = pick(table[triple.relation], triple).format(head=triple.head, tail=triple.tail)
        if text in seen[triple.lang]:
            stats.duplicates += 1
            continue
        seen[triple.lang].add(text)
        stats.relations[triple.lang][triple.relation] += 1
        stats.written += 1
        yield {"id": f"kg-{triple.lang}-{len(seen[triple.lang])}", "lang": triple.lang,
               "text": text}
