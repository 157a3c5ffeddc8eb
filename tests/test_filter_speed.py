"""The fast paths of the rule filters compute exactly what their definitions do.

Language ID, repetition, script, non-native and markup scores are computed for many texts at once (or
skip work that cannot change the result); on real text of all five languages and on
generated edge cases they must give the same numbers, bit for bit, as the per-text
definitions (py3langid's own `rank`, the repetition regex, a letter-by-letter script count).
"""

from __future__ import annotations

import random

import numpy as np
import pytest
import regex

from conftest import shared_path
from lrtk.filter.langid import language_probabilities, language_probability
from lrtk.filter.markup import _NOISE, noise_fraction
from lrtk.filter.repetition import max_repeats, max_repeats_all
from lrtk.filter.base import Pair
from lrtk.filter.script import SCRIPTS, NonNativeCharFilter, native_fraction

# TICO-19 sides of every language lrtk pairs (300 lines each) and odd cases.
SIDES = {"bn": ("en-bn", "bn"), "ne": ("en-ne", "ne"), "ur": ("en-ur", "ur"),
         "en": ("en-bn", "en")}
ODD = ["", " ", "x", "OK", "ABC DEF GHI JKL", "ha ha ha ha ha", "!!!!!!!!", "abab",
       "ab\nab\nab\nab", "১০০০০০০ ১০০০০০০", "ধীরে ধীরে ধীরে ধীরে চলো", "\ud800\ud800 lone",
       "\u200c\u200d", "Српски језик и o'zbek tili", "x" * 2000, "see http://who.int/x now",
       "<b>bold</b> &amp; a@b.org www.x.org", "  aa  aa  aa  aa"]


@pytest.fixture(scope="module")
def texts() -> dict[str, list[str]]:
    out = {}
    for lang, (folder, ext) in SIDES.items():
        lines = shared_path("tico19", folder, f"tico19-test.{ext}").read_text("utf-8")
        out[lang] = lines.splitlines()[:300] + ODD
    si = shared_path("floresv1_dev", "wikipedia.dev.si-en.si").read_text("utf-8")
    out["si"] = si.splitlines()[:300] + ODD
    return out


def noise(seed: int, n: int) -> list[str]:
    """Short random strings over an alphabet rich in repeats, scripts and markup markers."""
    rnd = random.Random(seed)
    alphabet = "ab .\nx১ক্ষনසිاردو<>&@:/w\u200c\u0301\x00\t"
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30))) for _ in range(n)]


def test_langid_for_many_texts_equals_py3langid_rank(texts):
    for lang, lines in texts.items():
        for judged in (lang, "en" if lang != "en" else "bn", "sr"):  # sr: an aliased label
            assert language_probabilities(lines, judged) == \
                [language_probability(t, judged) for t in lines], (lang, judged)


def test_repetition_for_many_texts_equals_the_regex(texts):
    lines = [t for side in texts.values() for t in side] + noise(0, 3000)
    found = max_repeats_all(lines)
    assert found == [max_repeats(t) for t in lines]
    assert max(found) > 3 and found.count(2) > 10  # the cases do repeat
    assert [max_repeats_all([t]) for t in ODD] == [[max_repeats(t)] for t in ODD]  # one by one
    # Long runs and long texts take the regex (bounded memory); a chunk boundary changes nothing.
    long = ["a" * 150_000, "ab" * 30_000 + "c", "x y " * 20_000, *lines[:50], "z" * 60_000]
    assert max_repeats_all(long) == [max_repeats(t) for t in long]


def test_script_fraction_equals_a_letter_by_letter_count(texts):
    alnum = regex.compile(r"[\p{L}\p{M}\p{N}]")
    lines = [t for side in texts.values() for t in side] + noise(1, 2000)
    for lang, script in SCRIPTS.items():
        native = regex.compile(rf"[\p{{Script={script}}}\p{{Script=Common}}"
                               rf"\p{{Script=Inherited}}]")
        for t in lines:
            chars = alnum.findall(t)
            expected = sum(1 for c in chars if native.match(c)) / len(chars) if chars else 1.0
            assert native_fraction(t, lang) == expected, (lang, t)


def test_non_native_share_equals_a_letter_by_letter_count(texts):
    letter = regex.compile(r"\p{L}")
    lines = [t for side in texts.values() for t in side] + noise(3, 2000)
    for src, tgt in (("bn", "en"), ("si", "en"), ("ur", "en")):
        native = [regex.compile(rf"[\p{{Script={SCRIPTS[lang]}}}\p{{Script=Common}}"
                                rf"\p{{Script=Inherited}}]") for lang in (src, tgt)]
        flt = NonNativeCharFilter(src_lang=src, tgt_lang=tgt)
        for t in lines:
            bad = sum(1 for c in t if (letter.match(c) and not any(n.match(c) for n in native))
                      or (not c.isprintable() and c not in "\u200c\u200d"))
            assert flt.score(Pair(t, t))["src"] == (bad / len(t) if t else 0.0), (src, t)


def test_markup_fraction_equals_the_regex(texts):
    lines = [t for side in texts.values() for t in side] + noise(2, 3000)
    for t in lines:
        expected = sum(len(m.group()) for m in _NOISE.finditer(t)) / len(t) if t else 0.0
        assert noise_fraction(t) == expected, t
    assert noise_fraction(ODD[-2]) > 0.5


@pytest.mark.parametrize("spread", [10, 10**12], ids=["small-range", "wide-range"])
def test_ibm1_unique_inverse_equals_np_unique(spread):
    # A filter's fit has keys of a small range (marked in a table), alignment's bootstrap may
    # not (sorted): both must give np.unique's arrays, which decide IBM 1's summation order.
    from lrtk.lexicon.ibm1 import _unique_inverse

    keys = np.random.default_rng(0).integers(0, 5000, size=20000) * spread  # repeats
    unique, inverse = _unique_inverse(keys)
    expected = np.unique(keys, return_inverse=True)
    assert np.array_equal(unique, expected[0]) and np.array_equal(inverse, expected[1])
    assert inverse.dtype == np.int64 and len(unique) < len(keys)


def test_langid_letter_gate_equals_counting_letters(texts):
    from lrtk.filter.langid import _has_letters

    letter = regex.compile(r"\p{L}")
    lines = [t for side in texts.values() for t in side] + noise(2, 3000)
    for n in (0, 1, 10, 25):
        assert [bool(_has_letters(n)(t)) for t in lines] == \
            [len(letter.findall(t)) >= n for t in lines], n
