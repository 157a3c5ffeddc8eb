"""Script filters: how much of each side is written in its language's script."""

from __future__ import annotations

import dataclasses
import functools
from typing import Callable, Optional

import regex

from lrtk.errors import UsageError
from lrtk.filter.base import Filter, Pair, Scores
from lrtk.text.scripts import SCRIPTS

# Letters and digits only: punctuation, spaces and symbols say nothing about the language.
_ALNUM = regex.compile(r"[\p{L}\p{M}\p{N}]")


@functools.lru_cache(maxsize=None)
def _native(lang: str) -> regex.Pattern:
    """Characters that belong to `lang`: its script, plus shared digits and combining marks."""
    script = SCRIPTS.get(lang)
    if script is None:
        raise UsageError(f"no script known for language {lang!r}",
                         hint=f"supported: {', '.join(sorted(SCRIPTS))}")
    return regex.compile(rf"[\p{{Script={script}}}\p{{Script=Common}}\p{{Script=Inherited}}]")


class _CharClass(dict):
    """A str.translate table that keeps the characters a test accepts (as 'y') and deletes
    the rest, testing each distinct character once: counting what a text keeps then runs in
    C, instead of one regex test per character in Python."""

    def __init__(self, test: Callable[[str], bool]):
        super().__init__()
        self._test = test

    def __missing__(self, code: int) -> Optional[str]:
        out = self[code] = "y" if self._test(chr(code)) else None
        return out

    def count(self, text: str) -> int:
        return len(text.translate(self))


@functools.lru_cache(maxsize=None)
def _letters(lang: Optional[str] = None) -> _CharClass:
    """Letters/digits (of `lang`'s script, if given)."""
    native = _native(lang) if lang else None
    return _CharClass(lambda c: bool(_ALNUM.match(c)) and (native is None or bool(native.match(c))))


def native_fraction(text: str, lang: str) -> float:
    """Share of the letters/digits of `text` written in `lang`'s script (1.0 if none)."""
    chars = _letters().count(text)
    if not chars:
        return 1.0
    return _letters(lang).count(text) / chars


@dataclasses.dataclass
class ScriptRatioFilter(Filter):
    """Each side keeps at least `min_ratio` of its letters in its own script.

    Catches wrong-language lines in another script (Bengali in the English field) and
    untranslated copies, while tolerating Latin names and acronyms inside Bengali text.
    """

    name = "script_ratio"
    min_ratio: float = 0.5

    def __post_init__(self):
        _native(self.src_lang), _native(self.tgt_lang)  # unknown languages fail here, early

    def score(self, pair: Pair) -> Scores:
        return {"src": native_fraction(pair.src, self.src_lang),
                "tgt": native_fraction(pair.tgt, self.tgt_lang)}

    def keep(self, scores: Scores) -> bool:
        return min(scores.values()) >= self.min_ratio


_FOREIGN_LETTER = regex.compile(r"\p{L}")


@dataclasses.dataclass
class NonNativeCharFilter(Filter):
    """At most `max_ratio` of all characters are letters of a script foreign to BOTH sides.

    Unlike the script ratio, a Latin name in Bengali text is fine here (Latin is the target's
    script); what is rejected is mojibake, a third script, or stray control characters.
    """

    name = "non_native"
    max_ratio: float = 0.1

    def __post_init__(self):
        src, tgt = _native(self.src_lang), _native(self.tgt_lang)
        self._foreign_chars = _CharClass(
            lambda c: bool((_FOREIGN_LETTER.match(c) and not src.match(c) and not tgt.match(c))
                           or (not c.isprintable() and c not in "\u200c\u200d")))

    def score(self, pair: Pair) -> Scores:
        return {"src": self._foreign(pair.src), "tgt": self._foreign(pair.tgt)}

    def _foreign(self, text: str) -> float:
        return self._foreign_chars.count(text) / len(text) if text else 0.0

    def keep(self, scores: Scores) -> bool:
        return max(scores.values()) <= self.max_ratio
