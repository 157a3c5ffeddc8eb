"""Hostile but fair input to `lrtk align` (issue 15, "nothing hangs"): a sentence that is one
enormous word, a document on one line, thousands of one-character sentences, sentences of
only punctuation, digits, emoji or mixed scripts. Each must give a valid alignment, exit 0,
in time linear in its bytes. The CLI cases run in a real process with a timeout that only
guards against a hang (it asserts no time); the work itself is checked by counting: features
per token and per sentence, cells and passes of the banded search.
"""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from badinput import lrtk
from conftest import shared_path

from lrtk.align.beads import Bead, read_beads
from lrtk.align.length import LengthProfile
from lrtk.align.search import MAX_HALF_WIDTH, bead_shapes, best_path
from lrtk.lexicon.tokens import MAX_TEXT_CHARS, MAX_TOKEN_CHARS

HANG_GUARD_S = 60  # a hang guard, not a timing assert: these runs take seconds
M = 1_000_000


def _tico(lang: str, n: int = 20) -> list[str]:
    path = shared_path("tico19", "en-bn", f"tico19-test.{lang}")
    return path.read_text(encoding="utf-8").splitlines()[:n]


def _word(n: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz", seed: int = 1) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


def _with_line(lines: list[str], at: int, text: str) -> list[str]:
    return lines[:at] + [text] + lines[at + 1:]


_MIXED = "অআকখগিাংনেপালකොවිඩ්پاکستانабвгdeßé\u200c\u0301"


def _long_word(n):
    return lambda: (_with_line(_tico("en"), 10, _word(n)), _with_line(_tico("bn"), 10, _word(n)))


# id -> () -> (source sentences, target sentences)
CASES = {
    "word-5k": _long_word(5_000),
    "word-50k": _long_word(50_000),
    "word-2M": _long_word(2 * M),
    "word-2M-source-only": lambda: (_with_line(_tico("en"), 5, _word(2 * M)), _tico("bn")),
    "document-on-one-2M-line": lambda: ([(" ".join(_tico("en", 300)) * 50)[:2 * M]],
                                        _tico("bn", 300)),
    "1000-one-char-sentences": lambda: (["a"] * 1000, ["b"] * 1000),
    "1000-sentences-against-1": lambda: (["x."] * 1000, ["y."]),
    "1-sentence-against-1000": lambda: (["y."], ["x."] * 1000),
    "question-marks-2M": lambda: (["?!" * M], ["?" * (2 * M)]),
    "full-stops-2M": lambda: (["." * (2 * M)], ["." * (2 * M)]),
    "digits-2M": lambda: (["1" * (2 * M)], ["1,234" * (M // 2)]),
    "e-mail-like-2M": lambda: (["a.b+c-d_" * (M // 4)], ["x@" + "y" * (2 * M)]),
    "emoji-2M-bytes": lambda: (["\U0001F600" * (M // 2)], ["\U0001F389\U0001F44D" * (M // 4)]),
    "mixed-scripts-2M": lambda: ([_word(2 * M, _MIXED)], [_word(2 * M, _MIXED + " ", seed=2)]),
}


def _write(path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _assert_valid_alignment(beads: list[Bead], n: int, m: int) -> None:
    """Every sentence of each side in exactly one bead, in order: what each aligner gives."""
    assert [i for b in beads for i in b.src] == list(range(n))
    assert [j for b in beads for j in b.tgt] == list(range(m))


def _assert_monotone(beads: list[Bead], n: int, m: int) -> None:
    """The ensemble keeps the beads with enough votes: in order, in range, no sentence twice
    (a sentence whose deletion too few aligners voted for is in no bead)."""
    for side, size in (([i for b in beads for i in b.src], n), ([j for b in beads for j in b.tgt], m)):
        assert side == sorted(set(side)) and all(0 <= k < size for k in side)


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_shapes_align_to_a_valid_alignment(case, tmp_path):
    src, tgt = CASES[case]()
    _write(tmp_path / "src.txt", src)
    _write(tmp_path / "tgt.txt", tgt)
    res = lrtk("align", "--src-lang", "en", "--tgt-lang", "bn", "--src", tmp_path / "src.txt",
               "--tgt", tmp_path / "tgt.txt", "--output-format", "beads",
               "-o", tmp_path / "out.beads", "--report", tmp_path / "report.json",
               "--save-aligners", tmp_path, timeout=HANG_GUARD_S)
    assert res.code == 0 and "Traceback" not in res.err, res.err
    assert not [line for line in res.error_lines() if line.startswith("lrtk: error")]
    for name in ("lexical", "embedding", "length"):
        single = read_beads(tmp_path / f"{name}.beads")
        assert len(single) == 1, name
        _assert_valid_alignment(single[0], len(src), len(tgt))
    ensemble = read_beads(tmp_path / "out.beads")
    assert len(ensemble) <= 1  # no document when no bead has enough votes
    _assert_monotone(ensemble[0] if ensemble else [], len(src), len(tgt))
    report = json.loads((tmp_path / "report.json").read_text())
    assert (report["src_sentences"], report["tgt_sentences"]) == (len(src), len(tgt))


def test_a_2m_character_word_is_aligned_and_its_pair_dropped_as_overlong(tmp_path):
    src, tgt = CASES["word-2M"]()
    _write(tmp_path / "src.txt", src)
    _write(tmp_path / "tgt.txt", tgt)
    res = lrtk("align", "--src-lang", "en", "--tgt-lang", "bn", "--src", tmp_path / "src.txt",
               "--tgt", tmp_path / "tgt.txt", "--report", tmp_path / "report.json",
               timeout=HANG_GUARD_S)
    assert res.code == 0, res.err
    pairs = [json.loads(line) for line in res.out.splitlines()]
    # The two words (same length, same position) pair with each other, and that pair is
    # over --max-chars: reported, not written. Everything else is ordinary TICO-19 text.
    assert pairs and all(len(p["src"]) <= 2000 and len(p["tgt"]) <= 2000 for p in pairs)
    assert not any(10 in p["meta"]["src_idx"] for p in pairs)
    assert json.loads((tmp_path / "report.json").read_text())["overlong_pairs_dropped"] == 1


# --- the work, counted ------------------------------------------------------------------------

def test_a_2m_character_word_builds_the_features_of_a_64_character_one(monkeypatch):
    """Romanisation, trigrams and phonetic keys run per character in Python: each sees at
    most MAX_TOKEN_CHARS of a token, so a 2M-character word is as cheap as a long real one."""
    import lrtk.embed.offline as offline
    import lrtk.lexicon.translit as translit
    from lrtk.lexicon import sentence_keys
    from lrtk.lexicon import signals, words

    seen: list[int] = []

    def counting(romanize):
        def wrapped(word: str) -> str:
            seen.append(len(word))
            return romanize(word)
        return wrapped

    monkeypatch.setattr(offline, "romanize", counting(translit.romanize))
    monkeypatch.setattr(translit, "romanize", counting(translit.romanize))
    translit.phonetic_key.cache_clear()  # keys cached by earlier tests would not romanise
    word = "Q" + _word(2 * M - 1)
    text = "see " + word  # capitalised, not sentence-initial: a name candidate
    assert words(text) == ["see", word[:MAX_TOKEN_CHARS].casefold()]
    assert signals(text) == ["#k:" + translit.phonetic_key(word[:MAX_TOKEN_CHARS])]
    slots, _ = offline.OfflineEmbedder()._word_features(words(text)[1], False)
    assert len(slots) == 1 + MAX_TOKEN_CHARS  # the word + the trigrams of " word "
    assert len(sentence_keys([text])[0]) == 3  # two words and one name key
    assert seen and max(seen) == MAX_TOKEN_CHARS


@pytest.mark.parametrize("text,count", [
    ("?" * (2 * M), MAX_TEXT_CHARS),            # one '#p:?' per question mark
    ("1 " * M, MAX_TEXT_CHARS // 2),            # one number per two characters
    ("ab " * M, -(-MAX_TEXT_CHARS // 3)),       # one word per three characters
], ids=["question-marks", "digits", "words"])
def test_a_sentence_yields_features_from_its_first_10000_characters(text, count):
    from lrtk.lexicon import sentence_keys

    assert len(sentence_keys([text])[0]) == count


class _Counting:
    """Wraps bead costs; counts the search's passes (each starts at row 0), cells, widest row."""

    def __init__(self, inner):
        self.inner = inner
        self.passes = self.cells = self.widest = 0

    def row(self, i, js, shapes):
        self.passes += i == 0
        self.cells += len(js)
        self.widest = max(self.widest, len(js))
        return self.inner.row(i, js, shapes)


class _Identical:
    """1-1 beads of identical sentences are free, other 1-1 beads dear, deletions between."""

    def __init__(self, src, tgt):
        ids = {s: k for k, s in enumerate(dict.fromkeys(src + tgt))}
        self.src = np.array([ids[s] for s in src])
        self.tgt = np.array([-1] + [ids[t] for t in tgt])  # index j: target j - 1

    def row(self, i, js, shapes):
        out = np.ones((len(shapes), len(js)))
        if i:
            out[shapes.index((1, 1))] = np.where(self.tgt[js] == self.src[i - 1], 0.0, 3.0)
        return out


def test_one_sentence_against_thousands_is_a_valid_path():
    # The diagonal's rows were 3000 target sentences apart and the 49-wide band left them
    # unconnected: the trace ran off the band (IndexError).
    for src, tgt in ((["a" * 40], ["b" * 20] * 3000), (["a" * 40] * 30, ["b" * 20] * 3000)):
        path = best_path(len(src), len(tgt), bead_shapes(4, 5), LengthProfile(src, tgt))
        _assert_valid_alignment(path, len(src), len(tgt))


def test_the_band_stops_growing_at_its_cap():
    # 1,200 target sentences the source lacks, in the middle of 600: the true path runs up
    # to 600 cells off the diagonal, past the widest band, so every pass touches its edge.
    # Uncapped, the band kept doubling (13 passes, rows up to 1,801 cells wide).
    src = [f"s{i}" for i in range(600)]
    tgt = src[:300] + [f"new{i}" for i in range(1200)] + src[300:]
    costs = _Counting(_Identical(src, tgt))
    path = best_path(len(src), len(tgt), [(0, 1), (1, 0), (1, 1)], costs)
    _assert_valid_alignment(path, len(src), len(tgt))
    assert costs.passes == 10  # half widths 24, 48, 96, 192, 256: as found, then re-centred
    assert costs.widest == 2 * MAX_HALF_WIDTH + 1
