"""Language profiles: the data that tells the segmenter how a language ends its sentences.

Each profile is a YAML file in lrtk/text/profiles/ named by its language code. A profile may
`include` others: list fields (prefixes, abbreviations, initials, ...) are merged, string fields
(terminators, closing quotes, digits, ...) are taken from the including profile when it sets
them. Keeping the rules as data lets a new language be added without touching code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

from lrtk.errors import UsageError

_PROFILE_DIR = "profiles"
_STRING_FIELDS = ("name", "terminators", "strong_terminators", "closing", "opening", "digits")
_LIST_FIELDS = ("prefixes", "number_prefixes", "abbreviations", "initials",
                "sentence_starters", "list_alphabets", "initial_scripts")


@dataclass(frozen=True)
class LanguageProfile:
    """Sentence-boundary knowledge of one language; abbreviation sets hold lower-case forms."""

    lang: str
    name: str
    terminators: str
    strong_terminators: str
    closing: str
    opening: str
    digits: str
    prefixes: frozenset[str]
    number_prefixes: frozenset[str]
    abbreviations: frozenset[str]
    initials: frozenset[str]
    sentence_starters: frozenset[str]
    list_alphabets: tuple[str, ...]
    initial_scripts: tuple[str, ...]


def supported_languages() -> list[str]:
    """Language codes with a profile file, sorted (always includes 'generic')."""
    folder = resources.files("lrtk.text").joinpath(_PROFILE_DIR)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def _read_raw(lang: str, seen: tuple[str, ...] = ()) -> dict:
    """The profile's fields with its includes merged in (includes first, own fields last)."""
    import yaml  # imported lazily: most commands never need a profile

    if lang in seen:
        raise UsageError(f"language profile include cycle: {' -> '.join(seen + (lang,))}")
    if lang not in supported_languages():
        raise UsageError(f"unknown language {lang!r}",
                         hint=f"supported: {', '.join(supported_languages())}")
    path = resources.files("lrtk.text").joinpath(_PROFILE_DIR).joinpath(f"{lang}.yaml")
    own = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    merged: dict = {}
    for parent in own.get("include", []):
        parent_fields = _read_raw(parent, seen + (lang,))
        for key in _LIST_FIELDS:
            merged[key] = merged.get(key, []) + parent_fields.get(key, [])
        for key in _STRING_FIELDS:
            if key in parent_fields:
                merged.setdefault(key, parent_fields[key])
    for key in _LIST_FIELDS:
        merged[key] = merged.get(key, []) + [str(v) for v in own.get(key, [])]
    for key in _STRING_FIELDS:
        if key in own:
            merged[key] = str(own[key])
    return merged


@functools.lru_cache(maxsize=None)
def load_profile(lang: str) -> LanguageProfile:
    """The profile for `lang`; an unknown code is a UsageError listing the supported ones."""
    raw = _read_raw(lang)

    def lowered(key: str) -> frozenset[str]:
        return frozenset(v.lower() for v in raw[key])

    return LanguageProfile(
        lang=lang,
        name=raw.get("name", lang),
        terminators=raw.get("terminators", ".?!"),
        strong_terminators=raw.get("strong_terminators", ""),
        closing=raw.get("closing", ""),
        opening=raw.get("opening", ""),
        digits=raw.get("digits", "0123456789"),
        prefixes=lowered("prefixes"),
        number_prefixes=lowered("number_prefixes"),
        abbreviations=lowered("abbreviations"),
        initials=lowered("initials"),
        sentence_starters=lowered("sentence_starters"),
        list_alphabets=tuple(raw["list_alphabets"]),
        initial_scripts=tuple(raw["initial_scripts"]),
    )
