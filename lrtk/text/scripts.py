"""The script each language is written in, and the alphabet a tokenizer must never lose.

A sentencepiece model keeps only the characters that make up `character_coverage` of its
training text; the rest become byte pieces (byte fallback) or <unk>. On a few thousand lines
that tail holds everyday characters: Bengali ঢ and ঐ, Sinhala ඝ, Urdu's maddah, English Q and
"!". `alphabet()` lists each language's letters, marks, digits and punctuation so that training
can reserve a piece for every one of them whatever the sample held.
"""

from __future__ import annotations

import functools
import string
import unicodedata
from typing import Iterable

# The Unicode script each supported language is written in (Unicode script property names).
SCRIPTS = {
    "bn": "Bengali",
    "as": "Bengali",
    "ne": "Devanagari",
    "hi": "Devanagari",
    "mr": "Devanagari",
    "si": "Sinhala",
    "ur": "Arabic",
    "ar": "Arabic",
    "fa": "Arabic",
    "en": "Latin",
    "de": "Latin",
    "fr": "Latin",
}

# Where a script's everyday characters live. The other blocks of these scripts (Latin
# Extended, Arabic presentation forms, Vedic extensions) are rare in running text or folded
# away by NFKC, and would cost hundreds of pieces.
_BLOCKS = {
    "Bengali": ((0x0980, 0x09FF),),
    "Devanagari": ((0x0900, 0x097F),),
    "Sinhala": ((0x0D80, 0x0DFF),),
    "Arabic": ((0x0600, 0x06FF),),
    "Latin": ((0x0041, 0x005A), (0x0061, 0x007A), (0x00C0, 0x00FF)),
}

# Written in every language lrtk knows: ASCII digits and punctuation, typographic quotes,
# dashes and the ellipsis.
COMMON = string.digits + string.punctuation + "‘’“”–—…"


def _usable(ch: str) -> bool:
    # Letters, marks, digits and punctuation that survive NFKC (sentencepiece's default
    # normaliser): a character NFKC rewrites never reaches the model, so a piece for it is waste.
    return unicodedata.category(ch)[0] in "LMNP" and unicodedata.normalize("NFKC", ch) == ch


@functools.lru_cache(maxsize=None)
def alphabet(lang: str) -> str:
    """The characters of `lang`'s script blocks plus COMMON, in code point order; COMMON only
    for a language whose script lrtk does not know."""
    blocks = _BLOCKS.get(SCRIPTS.get(lang, ""), ())
    chars = {chr(c) for lo, hi in blocks for c in range(lo, hi + 1) if _usable(chr(c))}
    return "".join(sorted(chars | set(COMMON)))


def joint_alphabet(langs: Iterable[str]) -> str:
    """The union of the alphabets of `langs`, in code point order."""
    return "".join(sorted(set().union(*(alphabet(lang) for lang in langs))))
