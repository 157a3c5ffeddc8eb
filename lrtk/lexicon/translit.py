"""Romanisation of Bengali, Devanagari (Nepali, Hindi), Sinhala and Perso-Arabic (Urdu) words.

The goal is matching, not a reversible scholarly transliteration: a Bengali "কোভিড" must meet
an English "Covid". `romanize` gives a readable Latin form; `phonetic_key` folds that (or any
Latin word) into a consonant skeleton in which spelling differences between scripts vanish.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Devanagari and Bengali share the ISCII layout: the same offset from the block start is the
# same letter, so one table (offset -> Latin) serves both blocks.
_INDIC_CONSONANTS = {
    0x15: "k", 0x16: "kh", 0x17: "g", 0x18: "gh", 0x19: "ng", 0x1A: "ch", 0x1B: "chh",
    0x1C: "j", 0x1D: "jh", 0x1E: "ny", 0x1F: "t", 0x20: "th", 0x21: "d", 0x22: "dh",
    0x23: "n", 0x24: "t", 0x25: "th", 0x26: "d", 0x27: "dh", 0x28: "n", 0x29: "n",
    0x2A: "p", 0x2B: "ph", 0x2C: "b", 0x2D: "bh", 0x2E: "m", 0x2F: "y", 0x30: "r",
    0x31: "r", 0x32: "l", 0x33: "l", 0x34: "l", 0x35: "v", 0x36: "sh", 0x37: "sh",
    0x38: "s", 0x39: "h", 0x58: "q", 0x59: "kh", 0x5A: "g", 0x5B: "z", 0x5C: "r",
    0x5D: "rh", 0x5E: "f", 0x5F: "y", 0x4E: "t",
}
_INDIC_VOWELS = {
    0x05: "a", 0x06: "a", 0x07: "i", 0x08: "i", 0x09: "u", 0x0A: "u", 0x0B: "ri", 0x0C: "li",
    0x0D: "e", 0x0E: "e", 0x0F: "e", 0x10: "ai", 0x11: "o", 0x12: "o", 0x13: "o", 0x14: "au",
    0x60: "ri", 0x61: "li",
}
_INDIC_SIGNS = {  # dependent vowel signs and nasal/aspiration marks
    0x3E: "a", 0x3F: "i", 0x40: "i", 0x41: "u", 0x42: "u", 0x43: "ri", 0x44: "ri", 0x45: "e",
    0x46: "e", 0x47: "e", 0x48: "ai", 0x49: "o", 0x4A: "o", 0x4B: "o", 0x4C: "au", 0x57: "au",
    0x62: "l", 0x63: "l", 0x01: "n", 0x02: "n", 0x03: "h",
}
_INDIC_VIRAMA = 0x4D
_NASAL_SIGNS = set("\u0901\u0902\u0903\u0981\u0982\u0983\u0D82\u0D83")
_INDIC_BLOCKS = (0x0900, 0x0980)  # Devanagari, Bengali

_SINHALA = {
    0x85: "a", 0x86: "a", 0x87: "ae", 0x88: "ae", 0x89: "i", 0x8A: "i", 0x8B: "u", 0x8C: "u",
    0x8D: "ri", 0x8E: "ri", 0x8F: "li", 0x90: "li", 0x91: "e", 0x92: "e", 0x93: "ai",
    0x94: "o", 0x95: "o", 0x96: "au",
}
_SINHALA_CONSONANTS = {
    0x9A: "k", 0x9B: "kh", 0x9C: "g", 0x9D: "gh", 0x9E: "ng", 0x9F: "ng", 0xA0: "ch",
    0xA1: "chh", 0xA2: "j", 0xA3: "jh", 0xA4: "ny", 0xA5: "gny", 0xA6: "nj", 0xA7: "t",
    0xA8: "th", 0xA9: "d", 0xAA: "dh", 0xAB: "n", 0xAC: "nd", 0xAD: "t", 0xAE: "th",
    0xAF: "d", 0xB0: "dh", 0xB1: "n", 0xB3: "nd", 0xB4: "p", 0xB5: "ph", 0xB6: "b",
    0xB7: "bh", 0xB8: "m", 0xB9: "mb", 0xBA: "y", 0xBB: "r", 0xBD: "l", 0xC0: "v",
    0xC1: "sh", 0xC2: "sh", 0xC3: "s", 0xC4: "h", 0xC5: "l", 0xC6: "f",
}
_SINHALA_SIGNS = {
    0xCF: "a", 0xD0: "ae", 0xD1: "ae", 0xD2: "i", 0xD3: "i", 0xD4: "u", 0xD6: "u", 0xD8: "ri",
    0xD9: "e", 0xDA: "e", 0xDB: "ai", 0xDC: "o", 0xDD: "o", 0xDE: "au", 0xDF: "lu",
    0xF2: "ri", 0x82: "n", 0x83: "h",
}
_SINHALA_VIRAMA = 0xCA

_ARABIC = {
    "ا": "a", "آ": "a", "أ": "a", "إ": "i", "ب": "b", "پ": "p", "ت": "t", "ٹ": "t", "ث": "s",
    "ج": "j", "چ": "ch", "ح": "h", "خ": "kh", "د": "d", "ڈ": "d", "ذ": "z", "ر": "r", "ڑ": "r",
    "ز": "z", "ژ": "zh", "س": "s", "ش": "sh", "ص": "s", "ض": "z", "ط": "t", "ظ": "z",
    "ع": "", "غ": "gh", "ف": "f", "ق": "q", "ک": "k", "ك": "k", "گ": "g", "ل": "l", "م": "m",
    "ن": "n", "ں": "n", "و": "o", "ؤ": "o", "ہ": "h", "ه": "h", "ھ": "h", "ۂ": "h", "ء": "",
    "ی": "i", "ي": "i", "ى": "a", "ئ": "i", "ے": "e", "ۓ": "e", "ۃ": "t", "ة": "t",
}


def _letter_table() -> dict[int, tuple[str, str]]:
    """Code point -> (kind, Latin) for the Devanagari, Bengali and Sinhala letters, kind one
    of consonant, vowel, sign, virama."""
    layouts = [(base, _INDIC_CONSONANTS, _INDIC_VOWELS, _INDIC_SIGNS, _INDIC_VIRAMA)
               for base in _INDIC_BLOCKS]
    # The Sinhala tables are keyed by the low byte of U+0D80..U+0DFF.
    layouts.append((0x0D00, _SINHALA_CONSONANTS, _SINHALA, _SINHALA_SIGNS, _SINHALA_VIRAMA))
    table: dict[int, tuple[str, str]] = {}
    for base, consonants, vowels, signs, virama in layouts:
        for kind, part in (("consonant", consonants), ("vowel", vowels), ("sign", signs)):
            for offset, latin in part.items():
                table[base + offset] = (kind, latin)
        table[base + virama] = ("virama", "")
    return table


_LETTERS = _letter_table()


def romanize(word: str) -> str:
    """Latin letters for a word in any supported script; Latin input is lower-cased and
    stripped of accents; characters of unsupported scripts are dropped."""
    out: list[str] = []
    pending_vowel = False  # a consonant's inherent 'a', written only if no sign follows
    for ch in word:
        kind_latin = _LETTERS.get(ord(ch))
        if kind_latin is not None:
            kind, latin = kind_latin
            if kind == "consonant":
                if pending_vowel:
                    out.append("a")
                out.append(latin)
                pending_vowel = True
                continue
            if kind == "virama":
                pending_vowel = False
                continue
            if kind == "sign":
                if ch in _NASAL_SIGNS and pending_vowel:
                    out.append("a")  # the nasal follows the inherent vowel: ලං = "lan"
                pending_vowel = False
                out.append(latin)
                continue
            if pending_vowel:
                out.append("a")
            pending_vowel = False
            out.append(latin)
            continue
        if pending_vowel:
            out.append("a")
            pending_vowel = False
        if ch in _ARABIC:
            out.append(_ARABIC[ch])
            continue
        for base in unicodedata.normalize("NFKD", ch.lower()):
            if "a" <= base <= "z":
                out.append(base)
    # A word-final inherent vowel is silent in Bengali, Hindi and Nepali: not written.
    return "".join(out)


# Consonant classes whose members scripts confuse (b/v in Bengali, k/c/q, s/z/j in Urdu).
_KEY_CLASSES = str.maketrans({
    "p": "b", "f": "b", "v": "b", "c": "k", "q": "k", "g": "k", "x": "k",
    "d": "t", "z": "s", "j": "s",
})
_KEY_DROP = set("aeiouyhw")
# Words whose keys are kept: every word of a script without case is a name candidate, so keys
# are asked for per word occurrence, and romanisation runs per character in Python.
KEY_CACHE = 1 << 16


@lru_cache(maxsize=KEY_CACHE)
def phonetic_key(word: str) -> str:
    """Consonant skeleton of a word in any supported script: 'Covid' and 'কোভিড' both give
    'kbt'. Vowels, h, w and y are dropped and repeated classes collapsed."""
    # "ng" is one nasal: Bengali writes the ং of বাংলাদেশ where English writes "ng".
    latin = romanize(word).replace("ng", "n").translate(_KEY_CLASSES)
    key: list[str] = []
    for ch in latin:
        if ch in _KEY_DROP:
            continue
        if not key or key[-1] != ch:
            key.append(ch)
    return "".join(key)
