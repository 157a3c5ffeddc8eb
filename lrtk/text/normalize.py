"""Unicode normalisation for South Asian text, shared by `lrtk segment --normalize` and
`lrtk corpus build`.

    from lrtk.text.normalize import normalize
    normalize("য়ে\u200b", "bn")   # -> "য়ে"  (NFC, precomposed য়, zero-width space removed)

What it does, in order:
1. Unicode NFC.
2. Bengali canonical forms (lang "bn"): য+় → য়, ড+় → ড়, ঢ+় → ঢ়. (The split vowel signs
   ে+া → ো and ে+ৗ → ৌ are joined by NFC in step 1.) NFC decomposes য় ড় ঢ় (they are
   composition exclusions), but the precomposed letters are what Bengali keyboards produce
   and what most corpora contain, so matching them makes deduplication and vocabularies agree.
3. Zero-width characters: zero-width space, word joiner, byte order mark and soft hyphen
   are removed everywhere. ZWJ/ZWNJ change how Bengali, Devanagari and Sinhala conjuncts are
   drawn (র‍্য, ශ්‍රී), so they are kept inside words and removed only next to white space or
   at the ends of the text, where they cannot join anything.
"""

from __future__ import annotations

import re
import unicodedata

_ALWAYS_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad]")
# A joiner/non-joiner that touches white space or an end of the text joins nothing.
_LOOSE_JOINER = re.compile(r"(?:(?<=\s)|^)[\u200c\u200d]+|[\u200c\u200d]+(?=\s|$)")

_BENGALI_CANONICAL = (
    ("\u09af\u09bc", "\u09df"),  # য + ় → য়
    ("\u09a1\u09bc", "\u09dc"),  # ড + ় → ড়
    ("\u09a2\u09bc", "\u09dd"),  # ঢ + ় → ঢ়
    # ে + া → ো and ে + ৗ → ৌ are canonical compositions: step 1 (NFC) already makes them.
)

_LANGUAGE_FORMS = {"bn": _BENGALI_CANONICAL}


def normalize(text: str, lang: str = "generic") -> str:
    """Return `text` in NFC with the language's canonical forms and no stray zero-width marks."""
    text = unicodedata.normalize("NFC", text)
    for composed_from, composed in _LANGUAGE_FORMS.get(lang, ()):
        if composed_from in text:
            text = text.replace(composed_from, composed)
    text = _ALWAYS_INVISIBLE.sub("", text)
    return _LOOSE_JOINER.sub("", text)
