"""Lexical resources for cross-lingual matching: tokens, transliteration, dictionaries, IBM 1.

Usage (the API `lrtk align` and `lrtk filter` share)::

    from lrtk.lexicon import IBMModel1, Dictionary, words, signals

    pairs = [(words(src), words(tgt)) for src, tgt in seed_pairs]   # any (str, str) pairs
    model = IBMModel1.train(pairs, iterations=5)
    model.score(words("ভাইরাস ছড়ায়"), words("the virus spreads"))   # mean log p(tgt|src)
    model.save("bn-en.ibm1.json"); IBMModel1.load("bn-en.ibm1.json")
    dictionary = model.to_dictionary(min_prob=0.1)        # or Dictionary.load("bn-en.tsv")
    dictionary.translations("ভাইরাস")                     # {"virus": 0.93, ...}

    signals("কোভিড-১৯ ১,০০০")   # ['#n:19', '#n:1000', '#k:kbt']: script-independent tokens
    phonetic_key("কোভিড") == phonetic_key("Covid")          # names across scripts

Train a model per direction for a symmetric score (p(tgt|src) and p(src|tgt)).
"""

from lrtk.lexicon.dictionary import Dictionary
from lrtk.lexicon.ibm1 import IBMModel1
from lrtk.lexicon.tokens import (dominant_script, name_keys, numbers, sentence_features,
                                 sentence_keys, signals, words)
from lrtk.lexicon.translit import phonetic_key, romanize

__all__ = ["Dictionary", "IBMModel1", "dominant_script", "name_keys", "numbers", "phonetic_key", "romanize",
           "sentence_features", "sentence_keys", "signals", "words"]
