"""Tokens for lexical matching, and the signals that survive a change of script.

`words` are what a bilingual dictionary is keyed on. `signals` are tokens two translations
share even when their scripts share nothing (Bengali–English has no cognates): numbers in any
digit set, URLs and e-mail addresses, telling punctuation, and names folded to a phonetic key.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import Iterable

import regex

# Letters with their combining marks (Indic vowel signs are marks) and the joiners that
# Bengali, Sinhala and Urdu write inside words.
_WORD = regex.compile(r"[\p{L}\p{M}\u200c\u200d]+")
# Digit groups in any script; "8 000", "8.000" and "8,000" are one number.
_NUMBER = regex.compile(r"\p{Nd}{1,3}(?:[ \u00a0\u202f.,']\p{Nd}{3})+(?!\p{Nd})|\p{Nd}+")
_URL = regex.compile(r"(?:https?://|www\.)[^\s<>\"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Punctuation that a translation keeps; full stops and commas are everywhere, so they are
# no signal. The Arabic question mark and the Devanagari/Bengali danda fold to Latin forms.
_PUNCT_FOLD = {"?": "?", "؟": "?", "!": "!", "%": "%", "٪": "%", "(": "(", ":": ":",
               "\"": "\"", "“": "\"", "”": "\"", "«": "\"", "»": "\"", "„": "\""}
_MIN_KEY = 2


def words(text: str) -> list[str]:
    """Case-folded words (letters and marks only; numbers are signals, not words)."""
    return [w.casefold() for w in _WORD.findall(text)]


def numbers(text: str) -> list[str]:
    """Every number as ASCII digits without group separators: '১,০০০' and '1 000' -> '1000'."""
    out = []
    for match in _NUMBER.findall(text):
        out.append("".join(str(unicodedata.digit(c)) for c in match if unicodedata.digit(c, None) is not None))
    return out


def _is_latin(word: str) -> bool:
    return all(ord(c) < 0x250 for c in word)


def name_keys(text: str) -> list[str]:
    """Phonetic keys of the words that may be names. Latin-script words count only when
    capitalised and not sentence-initial; words in other scripts have no case, so all count."""
    from lrtk.lexicon.translit import phonetic_key

    keys = []
    for pos, word in enumerate(_WORD.findall(_URL.sub(" ", text))):
        # A capital at sentence start says nothing, unless the whole word is (an acronym).
        if _is_latin(word) and not (word[:1].isupper() and (pos > 0 or word.isupper())):
            continue
        key = phonetic_key(word)
        if len(key) >= _MIN_KEY:
            keys.append(key)
    return keys


def signals(text: str) -> list[str]:
    """Script-independent tokens, tagged by kind: '#n:1000', '#u:who.int', '#p:?', '#k:kbt'."""
    out = ["#n:" + n for n in numbers(text)]
    out += ["#u:" + u.lower().rstrip(".,;:)") for u in _URL.findall(text)]
    out += ["#p:" + _PUNCT_FOLD[c] for c in _URL.sub(" ", text) if c in _PUNCT_FOLD]
    out += ["#k:" + k for k in name_keys(text)]
    return out


def dominant_script(texts: Iterable[str], sample: int = 20000) -> str:
    """The Unicode script most letters belong to ('LATIN', 'BENGALI', ...), from the first
    `sample` letters; '' when there are none."""
    counts: Counter = Counter()
    seen = 0
    for text in texts:
        for ch in text:
            if ch.isalpha():
                counts[unicodedata.name(ch, "UNKNOWN").split(" ")[0]] += 1
                seen += 1
        if seen >= sample:
            break
    return counts.most_common(1)[0][0] if counts else ""
