"""lrtk.text.normalize: NFC, Bengali and Sinhala canonical forms, zero-width characters."""

from __future__ import annotations

import unicodedata

import pytest

from conftest import shared_path
from lrtk.text import normalize

YA, DDA, RHA, NUKTA = "\u09af", "\u09a1", "\u09a2", "\u09bc"
E_SIGN, AA_SIGN, AU_LENGTH = "\u09c7", "\u09be", "\u09d7"


@pytest.mark.parametrize("decomposed,composed", [
    (YA + NUKTA, "\u09df"),            # য + ় → য়
    (DDA + NUKTA, "\u09dc"),           # ড + ় → ড়
    (RHA + NUKTA, "\u09dd"),           # ঢ + ় → ঢ়
    ("ক" + E_SIGN + AA_SIGN, "কো"),    # ে + া → ো
    ("ক" + E_SIGN + AU_LENGTH, "কৌ"),  # ে + ৗ → ৌ
])
def test_bengali_canonical_forms(decomposed, composed):
    assert normalize(f"আমি {decomposed}", "bn") == f"আমি {composed}"


@pytest.mark.parametrize("two,one", [
    ("\u0d85\u0dcf", "\u0d86"),  # අ + ා → ආ
    ("\u0d85\u0dd0", "\u0d87"),  # අ + ැ → ඇ
    ("\u0d91\u0dca", "\u0d92"),  # එ + ් → ඒ
    ("\u0d94\u0ddf", "\u0d96"),  # ඔ + ෟ → ඖ
])
def test_sinhala_vowels_typed_as_two_code_points(two, one):
    assert normalize(f"ජේ. {two}ර්.", "si") == f"ජේ. {one}ර්."
    # A vowel sign after a consonant is no independent vowel: කා stays as it is.
    assert normalize("\u0d9a\u0dcf", "si") == "\u0d9a\u0dcf"
    assert normalize(two, "bn") == two  # other languages' text is left alone


def test_real_sinhala_text_gets_one_code_point_vowels():
    lines = shared_path("floresv1_dev", "wikipedia.dev.si-en.si").read_text(
        encoding="utf-8").splitlines()
    two = [ln for ln in lines if "\u0d85\u0dcf" in ln]
    assert two  # FLORES Sinhala has අ + ා (the initial අාර්, and more)
    for line in two:
        once = normalize(line, "si")
        assert "\u0d85\u0dcf" not in once and once.count("\u0d86") > line.count("\u0d86")
        assert normalize(once, "si") == once


def test_precomposed_letters_stay_precomposed_in_bengali_only():
    # NFC alone decomposes য় (a composition exclusion); the Bengali profile recomposes it.
    assert normalize("\u09df", "bn") == "\u09df"
    assert normalize("\u09df", "en") == YA + NUKTA


def test_zero_width_characters():
    assert normalize("আমি\u200b ভাত\ufeff খাই\u00ad।", "bn") == "আমি ভাত খাই।"
    # ZWJ inside a word shapes a conjunct (র‍্যাব, ශ්‍රී) and is kept; at a word edge it goes.
    assert normalize("র\u200d্যাব \u200dখাই\u200c", "bn") == "র\u200d্যাব খাই"
    assert normalize("ශ්\u200dරී", "si") == "ශ්\u200dරී"


def test_real_text_gets_canonical_and_stays_equivalent():
    lines = shared_path("tico19", "en-bn", "tico19-test.bn").read_text(
        encoding="utf-8").splitlines()
    decomposed = [YA + NUKTA, DDA + NUKTA, RHA + NUKTA]
    with_decomposed = [ln for ln in lines if any(d in ln for d in decomposed)]
    assert len(with_decomposed) > 500  # TICO-19 Bengali mixes both forms of য় ড় ঢ়
    for line in lines:
        once = normalize(line, "bn")
        assert not any(d in once for d in decomposed)
        assert normalize(once, "bn") == once
        if "\u200b" not in line:
            # Nothing but canonical recomposition happened: the NFD forms agree.
            assert unicodedata.normalize("NFD", once) == unicodedata.normalize("NFD", line)
