"""Lexical matching resources on real data: cross-script signals, names, IBM Model 1."""

from __future__ import annotations

import numpy as np
import pytest

from lrtk.errors import DataError
from lrtk.lexicon import Dictionary, IBMModel1, phonetic_key, sentence_keys, signals, words
from lrtk.lexicon.hashing import hash_bags


def _lines(path):
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("native,latin", [
    ("কোভিড", "Covid"), ("বাংলাদেশ", "Bangladesh"), ("নেপাল", "Nepal"), ("नेपाल", "Nepal"),
    ("پاکستان", "Pakistan"), ("ইংল্যান্ড", "England"), ("කොවිඩ්", "Covid"),
])
def test_names_meet_across_scripts(native, latin):
    assert phonetic_key(native) == phonetic_key(latin)


def test_signals_fold_digits_and_punctuation():
    bn = signals("কোভিড-১৯ এ ১,০০০ জন মারা গেছেন?")
    en = signals("COVID-19 killed 1,000 people?")
    assert {"#n:19", "#n:1000", "#p:?", "#k:kbt"} <= set(bn) & set(en)
    assert signals("Die Höhe ist 8 000 m") .count("#n:8000") == 1


def test_ibm1_learns_tico19_bengali_english(shared):
    root = shared("tico19", "en-bn")
    bn, en = _lines(root / "tico19-test.bn"), _lines(root / "tico19-test.en")
    model = IBMModel1.train([(words(b), words(e)) for b, e in zip(bn, en)], iterations=5)
    d = model.to_dictionary(min_prob=0.3)
    assert "virus" in d.translations("ভাইরাস")
    # The true translation scores far above a mismatched sentence, for almost all pairs.
    wins = sum(model.score(words(bn[i]), words(en[i])) > model.score(words(bn[i]), words(en[i + 7]))
               for i in range(0, 2000, 10))
    assert wins >= 190


def test_hashed_keys_count_the_features_they_stand_for(shared):
    """hash_bags with expand: each key occurrence adds its key's features, as if the bags held
    the features themselves (Bengali words standing for their IBM 1 translations)."""
    root = shared("tico19", "en-bn")
    bn, en = _lines(root / "tico19-test.bn")[:300], _lines(root / "tico19-test.en")[:300]
    model = IBMModel1.train([(words(b), words(e)) for b, e in zip(bn, en)], iterations=3)
    d = model.to_dictionary(min_prob=0.1)

    def expand(key):
        return ["w:" + t for t in d.translations(key)] or ["k:" + key]

    bags = sentence_keys(bn) + [()]
    expanded = [[f for k in bag for f in expand(k)] for bag in bags]
    assert sum(map(len, expanded)) > sum(map(len, bags))  # words with several translations
    got = hash_bags(bags, 256, expand)
    assert np.array_equal(got, hash_bags(expanded, 256))
    assert np.array_equal(np.abs(got).sum(axis=1) > 0, [len(b) > 0 for b in expanded])


def test_ibm1_save_load_round_trip(tmp_path):
    model = IBMModel1.train([(["haus"], ["maison"]), (["das", "haus"], ["la", "maison"])],
                            iterations=10)
    model.save(tmp_path / "m.json")
    again = IBMModel1.load(tmp_path / "m.json")
    assert again.score(["haus"], ["maison"]) == pytest.approx(model.score(["haus"], ["maison"]))
    assert model.to_dictionary().translations("haus") == {"maison": 1.0}


def test_dictionary_file_errors_name_the_line(tmp_path):
    path = tmp_path / "d.tsv"
    path.write_text("Haus\tmaison\nkaputt\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        Dictionary.load(path)
    assert err.value.line == 2
    path.write_text("Haus\tmaison\t3\nHaus\tdemeure\t1\n", encoding="utf-8")
    assert Dictionary.load(path).translations("haus") == {"demeure": 0.25, "maison": 0.75}
