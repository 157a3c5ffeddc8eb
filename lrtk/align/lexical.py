"""Lexical aligner (hunalign-style): dictionary matches plus Gale–Church length.

A source sentence becomes a bag of target-language words (its words looked up in a bilingual
dictionary, unknown words kept as they are) plus the script-independent signals of
lrtk.lexicon (numbers, URLs, punctuation, name keys); a target sentence a bag of its words
and signals. Bead costs are the coverage costs of lrtk.align.vectors over the (IDF-weighted)
bags: word-level evidence, where the embedding aligner's offline embedder works on trigrams. The dictionary comes from a file, from IBM
Model 1 trained on seed pairs, or is bootstrapped: a first pass without one, IBM Model 1 on
its most confident 1-1 beads, then a second pass with the learned dictionary (the idea of
hunalign's and Gargantua's realign mode).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from lrtk.align.document import DocPair, ScoredBead
from lrtk.align.length import LENGTH_WEIGHT, LengthProfile, length_spread, length_weight
from lrtk.align.search import bead_shapes, scored_path
from lrtk.align.vectors import CoverageCosts
from lrtk.lexicon import Dictionary, IBMModel1, sentence_features, sentence_keys, words
from lrtk.lexicon.hashing import hash_bags

DIM = 1024
MERGE_PENALTY = 0.05
DELETION_COST = 0.3
BOOTSTRAP_SHARE = 0.8  # the most confident share of 1-1 beads that trains the dictionary
BOOTSTRAP_ROUNDS = 2
DICTIONARY_MIN_PROB = 0.2  # learned translations less likely than this are noise


def _bag_vectors(texts: Sequence[str], dictionary: Dictionary | None) -> np.ndarray:
    """Each text's hashed bag of tokens. A word the dictionary knows stands for its
    translations; any other word stays itself, so names and cognates shared by the two
    languages still match."""
    def tokens(key: str) -> list[str]:
        if key.startswith("#"):
            return ["s:" + key]
        translations = dictionary.translations(key) if dictionary is not None else None
        return ["w:" + t for t in translations] if translations else ["w:" + key]

    return hash_bags(sentence_keys(texts), DIM, tokens)


class LexicalAligner:
    name = "lexical"

    def __init__(self, dictionary: Dictionary | None = None, max_side: int = 4,
                 max_total: int = 5, length_weight: float = LENGTH_WEIGHT):
        self.dictionary = dictionary
        self.shapes = bead_shapes(max_side, max_total)
        self.length_weight = length_weight

    def align(self, doc: DocPair) -> list[ScoredBead]:
        src = _bag_vectors(doc.src, self.dictionary)
        tgt = _bag_vectors(doc.tgt, None)
        costs = CoverageCosts(src, tgt, self.shapes, LengthProfile(doc.src, doc.tgt),
                              deletion=DELETION_COST, merge_penalty=MERGE_PENALTY,
                              length_weight=self.length_weight)
        return scored_path(len(doc.src), len(doc.tgt), self.shapes, costs)

    @classmethod
    def bootstrapped(cls, docs: Sequence[DocPair], **kwargs) -> "LexicalAligner":
        """Align without a dictionary, learn one (IBM Model 1) from the confident 1-1 beads of
        all documents; repeat with the learned dictionary (BOOTSTRAP_ROUNDS in all), since a
        better dictionary finds more, and more reliable, confident beads to learn from. The
        last round's confident beads also measure how much the corpus's translations spread
        in length, which sets the length weight (lrtk.align.length.length_weight)."""
        aligner = cls(None, **kwargs)
        for _ in range(BOOTSTRAP_ROUNDS):
            confident: list[tuple[float, Sequence[str], Sequence[str], tuple[int, int, float]]] = []
            for doc in docs:
                ratio = LengthProfile(doc.src, doc.tgt).ratio
                for sb in aligner.align(doc):
                    if sb.bead.kind == (1, 1):
                        src, tgt = doc.src[sb.bead.src[0]], doc.tgt[sb.bead.tgt[0]]
                        confident.append((sb.cost, sentence_features(src)[0],
                                          sentence_features(tgt)[0], (len(src), len(tgt), ratio)))
            confident.sort(key=lambda c: c[0])
            keep = confident[:max(1, int(len(confident) * BOOTSTRAP_SHARE))]
            model = IBMModel1.train([(c[1], c[2]) for c in keep])
            aligner = cls(model.to_dictionary(min_prob=DICTIONARY_MIN_PROB), **kwargs)
        aligner.length_weight = length_weight(length_spread([c[3] for c in keep]))
        return aligner

    @classmethod
    def from_seed_pairs(cls, pairs: Sequence[tuple[str, str]], **kwargs) -> "LexicalAligner":
        model = IBMModel1.train([(words(s), words(t)) for s, t in pairs])
        return cls(model.to_dictionary(min_prob=DICTIONARY_MIN_PROB), **kwargs)
