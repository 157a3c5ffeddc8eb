"""Tokens for lexical matching, and the signals that survive a change of script.

`words` are what a bilingual dictionary is keyed on. `signals` are tokens two translations
share even when their scripts share nothing (Bengali–English has no cognates): numbers in any
digit set, URLs and e-mail addresses, telling punctuation, and names folded to a phonetic key.
Both read at most MAX_TEXT_CHARS of a text and MAX_TOKEN_CHARS of a token, so the work per
sentence is bounded however long a line or a "word" is.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import lru_cache
from itertools import islice
from typing import Iterable

import regex

# Letters with their combining marks (Indic vowel signs are marks) and the joiners that
# Bengali, Sinhala and Urdu write inside words.
_WORD = regex.compile(r"[\p{L}\p{M}\u200c\u200d]+")
# Digit groups in any script; "8 000", "8.000" and "8,000" are one number.
_NUMBER = regex.compile(r"\p{Nd}{1,3}(?:[ \u00a0\u202f.,']\p{Nd}{3})+(?!\p{Nd})|\p{Nd}+")
# An e-mail address starts where a run of address characters starts: without the look-behind
# the engine retries the run from each of its characters, and each try scans to the run's end,
# which is quadratic in the length of one long word. The possessive runs give up at once,
# since the character that must follow (@ or .) is never part of the run.
_URL = regex.compile(r"(?:https?://|www\.)[^\s<>\"]+"
                     r"|(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
# Longest token (word or number) that matching looks at; longer ones are cut to this. The
# longest German word on record (Rindfleischetikettierungsueberwachungsaufgabenuebertragungs-
# gesetz) has 63 letters and no word in TICO-19, FLORES or Text+Berg has more than 27, so
# real text never reaches the cap. Romanisation, trigrams and phonetic keys run per character
# in Python: without the cap one 2M-character "word" costs seconds, with it microseconds.
MAX_TOKEN_CHARS = 64
# Longest prefix of a text that tokens and signals are taken from. The longest sentence in
# TICO-19, FLORES and Text+Berg has 1,524 characters and `lrtk align` writes no side over
# --max-chars (2,000) by default; 10,000 characters (some 1,500 words) is far more evidence
# than any bead needs, and it bounds the work per sentence however long a line is.
MAX_TEXT_CHARS = 10_000
# Punctuation that a translation keeps; full stops and commas are everywhere, so they are
# no signal. The Arabic question mark and the Devanagari/Bengali danda fold to Latin forms.
_PUNCT_FOLD = {"?": "?", "؟": "?", "!": "!", "%": "%", "٪": "%", "(": "(", ":": ":",
               "\"": "\"", "“": "\"", "”": "\"", "«": "\"", "»": "\"", "„": "\""}
_MIN_KEY = 2


def words(text: str) -> list[str]:
    """Case-folded words (letters and marks only; numbers are signals, not words)."""
    return [w[:MAX_TOKEN_CHARS].casefold() for w in _WORD.findall(text[:MAX_TEXT_CHARS])]


def numbers(text: str) -> list[str]:
    """Every number as ASCII digits without group separators: '১,০০০' and '1 000' -> '1000'."""
    out = []
    for match in _NUMBER.findall(text[:MAX_TEXT_CHARS]):
        match = match[:MAX_TOKEN_CHARS]
        out.append("".join(str(unicodedata.digit(c)) for c in match if unicodedata.digit(c, None) is not None))
    return out


# Any character past Latin Extended-B (U+024F); one regex search per word, not a Python loop
# per character.
_NOT_LATIN = regex.compile(r"[^\x00-\u024f]")


def _is_latin(word: str) -> bool:
    return _NOT_LATIN.search(word) is None


def name_keys(text: str) -> list[str]:
    """Phonetic keys of the words that may be names. Latin-script words count only when
    capitalised and not sentence-initial; words in other scripts have no case, so all count."""
    from lrtk.lexicon.translit import phonetic_key

    keys = []
    for pos, word in enumerate(_WORD.findall(_URL.sub(" ", text[:MAX_TEXT_CHARS]))):
        word = word[:MAX_TOKEN_CHARS]
        # A capital at sentence start says nothing, unless the whole word is (an acronym).
        if _is_latin(word) and not (word[:1].isupper() and (pos > 0 or word.isupper())):
            continue
        key = phonetic_key(word)
        if len(key) >= _MIN_KEY:
            keys.append(key)
    return keys


def signals(text: str) -> list[str]:
    """Script-independent tokens, tagged by kind: '#n:1000', '#u:who.int', '#p:?', '#k:kbt'."""
    text = text[:MAX_TEXT_CHARS]
    out = ["#n:" + n for n in numbers(text)]
    out += ["#u:" + u.lower().rstrip(".,;:)") for u in _URL.findall(text)]
    out += ["#p:" + _PUNCT_FOLD[c] for c in _URL.sub(" ", text) if c in _PUNCT_FOLD]
    out += ["#k:" + k for k in name_keys(text)]
    return out


# Sentences whose words and signals are kept (a bounded working set, not the corpus): the
# dictionary bootstrap and each aligner read every sentence again, and the signals
# (transliterated name keys) are the costly part.
FEATURE_CACHE = 1 << 16


@lru_cache(maxsize=FEATURE_CACHE)
def sentence_features(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """words(text) and signals(text), computed once per sentence."""
    return tuple(words(text)), tuple(signals(text))


def sentence_keys(texts: Iterable[str]) -> list[tuple[str, ...]]:
    """Each text's words then signals, as one tuple. The two never collide: words are letters
    and marks only, every signal starts with '#'."""
    return [found + found_signals for found, found_signals in map(sentence_features, texts)]


def dominant_script(texts: Iterable[str], sample: int = 20000) -> str:
    """The Unicode script most letters belong to ('LATIN', 'BENGALI', ...), from the first
    `sample` letters; '' when there are none."""
    # Stops at the sample even inside a text, so one huge line is not read to its end.
    letters = islice((ch for text in texts for ch in text if ch.isalpha()), sample)
    counts = Counter(unicodedata.name(ch, "UNKNOWN").split(" ")[0] for ch in letters)
    return counts.most_common(1)[0][0] if counts else ""
