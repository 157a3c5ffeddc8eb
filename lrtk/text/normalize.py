"""Unicode normalisation for South Asian text, shared by `lrtk segment --normalize` and
`lrtk corpus build`.

    from lrtk.text.normalize import normalize
    normalize("য়ে\u200b", "bn")   # -> "য়ে"  (NFC, precomposed য়, zero-width space removed)

What it does, in order:
1. Unicode NFC.
2. Canonical forms of the language:
   - Bengali ("bn"): য+় → য়, ড+় → ড়, ঢ+় → ঢ়. (The split vowel signs ে+া → ো and ে+ৗ → ৌ
     are joined by NFC in step 1.) NFC decomposes য় ড় ঢ় (they are composition exclusions),
     but the precomposed letters are what Bengali keyboards produce and what most corpora
     contain, so matching them makes deduplication and vocabularies agree.
   - Sinhala ("si"): an independent vowel typed as another vowel letter plus a vowel sign
     (අ+ා for ආ, එ+් for ඒ, ...). The two render alike, so legacy-font converters and some
     keyboards produce them, but the Unicode Standard (chapter 13, Sinhala) says not to use
     them and NFC does not join them. FLORES v1's Sinhala writes the initial R. as අාර්.
   Steps 1-2 alone are `canonical_spelling`, which the segmenter uses to look words up in
   its abbreviation and initial lists.
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

_SINHALA_CANONICAL = (
    ("\u0d85\u0dcf", "\u0d86"),  # අ + ා → ආ
    ("\u0d85\u0dd0", "\u0d87"),  # අ + ැ → ඇ
    ("\u0d85\u0dd1", "\u0d88"),  # අ + ෑ → ඈ
    ("\u0d8b\u0ddf", "\u0d8c"),  # උ + ෟ → ඌ
    ("\u0d8d\u0dd8", "\u0d8e"),  # ඍ + ෘ → ඎ
    ("\u0d8f\u0ddf", "\u0d90"),  # ඏ + ෟ → ඐ
    ("\u0d91\u0dca", "\u0d92"),  # එ + ් → ඒ
    ("\u0d91\u0dd9", "\u0d93"),  # එ + ෙ → ඓ
    ("\u0d94\u0dca", "\u0d95"),  # ඔ + ් → ඕ
    ("\u0d94\u0ddf", "\u0d96"),  # ඔ + ෟ → ඖ
)

_LANGUAGE_FORMS = {"bn": _BENGALI_CANONICAL, "si": _SINHALA_CANONICAL}


def canonical_spelling(text: str, lang: str = "generic") -> str:
    """`text` in NFC with the language's canonical forms (steps 1-2)."""
    text = unicodedata.normalize("NFC", text)
    for composed_from, composed in _LANGUAGE_FORMS.get(lang, ()):
        if composed_from in text:
            text = text.replace(composed_from, composed)
    return text


def normalize(text: str, lang: str = "generic") -> str:
    """Return `text` in NFC with the language's canonical forms and no stray zero-width marks."""
    text = _ALWAYS_INVISIBLE.sub("", canonical_spelling(text, lang))
    return _LOOSE_JOINER.sub("", text)
