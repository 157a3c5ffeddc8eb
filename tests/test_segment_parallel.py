"""Parallel consistency on real data: a Tatoeba pair is split into as many Bengali sentences
as English ones. Bengali (danda, no case) and English (full stop, case) take different rule
paths, so agreement is not circular."""

from __future__ import annotations

from conftest import shared_path
from lrtk.text import split_sentences


def test_tatoeba_pairs_split_alike():
    folder = shared_path("tatoeba_ben_eng")
    bn = (folder / "tatoeba-test-v2021-08-07.ben").read_text(encoding="utf-8").splitlines()
    en = (folder / "tatoeba-test-v2021-08-07.eng").read_text(encoding="utf-8").splitlines()
    counts = [(len(split_sentences(b, "bn")), len(split_sentences(e, "en")))
              for b, e in zip(bn, en)]
    assert len(counts) == 2500
    several = sum(1 for nb, ne in counts if nb > 1 and ne > 1)
    assert several >= 15  # pairs like "Look! There is a cat in the kitchen."
    disagree = sum(1 for nb, ne in counts if nb != ne)
    # The two that differ are translated differently ("Hello, how are you?" for
    # "নমস্কার! আপনি কেমন আছেন?").
    assert disagree <= 3
