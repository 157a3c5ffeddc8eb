"""Filter chains from YAML, and the default chain that needs no downloaded model.

A config lists filters in the order they run, each by name with optional options:

    filters:
      - duplicate
      - length: {min_words: 1, max_words: 150}
      - langid: {min_prob: 0.2}
      - margin: {embedder: /models/LaBSE, threshold: 1.05}
      - my_filters:NoDigitsFilter        # a user's own filter (lrtk.registry)
"""

from __future__ import annotations

import dataclasses
import os

import yaml

from lrtk.errors import UsageError, param
from lrtk.filter.base import Filter
from lrtk.filter.chain import FilterChain
from lrtk.filter.copy import CopyFilter
from lrtk.filter.duplicate import DuplicateFilter
from lrtk.filter.langid import LangIdFilter
from lrtk.filter.length import LengthFilter, LengthOutlierFilter, LengthRatioFilter
from lrtk.filter.lexical import LexicalScoreFilter
from lrtk.filter.margin import MarginFilter
from lrtk.filter.markup import MarkupFilter
from lrtk.filter.numerals import NumeralFilter
from lrtk.filter.repetition import RepetitionFilter
from lrtk.filter.script import NonNativeCharFilter, ScriptRatioFilter
from lrtk.io.lines import open_lines
from lrtk.registry import Registry

FILTERS = Registry("filter", "lrtk.filters", expected="a Filter subclass (lrtk.filter.base)",
                   check=lambda obj: isinstance(obj, type) and issubclass(obj, Filter))
for _cls in (DuplicateFilter, LengthFilter, LengthRatioFilter, LengthOutlierFilter, MarkupFilter,
             RepetitionFilter, ScriptRatioFilter, NonNativeCharFilter, CopyFilter, LangIdFilter,
             NumeralFilter, LexicalScoreFilter, MarginFilter):
    FILTERS.add(_cls.name, _cls)

# Cheap rules first, so the corpus-trained lexical model behind the margin learns from pairs
# that are at least in the right languages and not copies; the length outlier check measures
# the corpus's usual length ratio on those pairs too.
DEFAULT_CHAIN: list[tuple[str, dict]] = [
    ("duplicate", {}),
    ("length", {}),
    ("length_ratio", {}),
    ("markup", {}),
    ("repetition", {}),
    ("script_ratio", {}),
    ("non_native", {}),
    ("copy", {}),
    ("langid", {}),
    ("numerals", {}),
    ("length_outlier", {}),
    ("margin", {}),
]


def build_filter(name: str, options: dict, src_lang: str, tgt_lang: str, where: str) -> Filter:
    cls = FILTERS.get(name, where)
    # Options are the fields a config can set; what a filter learns (init=False) is not one.
    allowed = {f.name for f in dataclasses.fields(cls) if f.init} - {"src_lang", "tgt_lang"}
    unknown = set(options) - allowed
    if unknown:
        raise UsageError(f"{where}: filter {name!r} has no option(s) {', '.join(sorted(unknown))}",
                         hint=f"options: {', '.join(sorted(allowed)) or 'none'}")
    for f in dataclasses.fields(cls):
        if f.name in options and not _same_kind(options[f.name], f.default):
            raise UsageError(f"{where}: option {f.name!r} of {name!r} must be "
                             f"{type(f.default).__name__}, got {options[f.name]!r}")
    return cls(src_lang=src_lang, tgt_lang=tgt_lang, **options)


def _same_kind(value, default) -> bool:
    """Config values must have the type of the option's default (an int may stand for a float)."""
    if isinstance(value, bool) or isinstance(default, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def default_chain(src_lang: str, tgt_lang: str) -> FilterChain:
    return FilterChain([build_filter(name, dict(opts), src_lang, tgt_lang, "default chain")
                        for name, opts in DEFAULT_CHAIN])


def load_chain(path: str | os.PathLike, src_lang: str, tgt_lang: str) -> FilterChain:
    """Read a chain config; every mistake is a UsageError naming the file and the entry."""
    try:
        doc = yaml.safe_load(open_lines(path))
    except yaml.YAMLError as e:
        raise UsageError(f"not valid YAML: {e}", path=str(path)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("filters"), list) or not doc["filters"]:
        raise UsageError("expected a mapping with a non-empty list 'filters'", path=str(path),
                         hint="see the help of filter for an example")
    filters, names = [], set()
    for n, entry in enumerate(doc["filters"], start=1):
        where = f"{path}: filters[{n}]"
        if isinstance(entry, str):
            name, options = entry, {}
        elif isinstance(entry, dict) and len(entry) == 1:
            name, options = next(iter(entry.items()))
            options = options or {}
            if not isinstance(options, dict):
                raise UsageError(f"{where}: options of {name!r} must be a mapping")
        else:
            raise UsageError(f"{where}: expected a filter name or {{name: {{options}}}}")
        if name in names:
            raise UsageError(f"{where}: filter {name!r} appears twice",
                             hint="give each filter once, with all its options")
        names.add(name)
        filters.append(build_filter(name, options, src_lang, tgt_lang, where))
    return FilterChain(filters)


def chain_for(config: str | None, src_lang: str, tgt_lang: str) -> FilterChain:
    """The chain of a run: the --config file's, else the default chain."""
    return load_chain(config, src_lang, tgt_lang) if config else default_chain(src_lang, tgt_lang)
