"""Translation aligner (Bleualign-style): BLEU between a translation of the source and the
target. Translations come from a file (one per source sentence) or from any command that reads
source sentences on stdin and writes one translation per line on stdout.

BLEU here is computed from hashed unigram and bigram counts, so the bilinear block trick of
lrtk.align.vectors applies: a bead's n-gram matches are a dot product of block sums.
"""

from __future__ import annotations

import shlex
import subprocess
from typing import Sequence

import numpy as np

from lrtk.align.document import DocPair, ScoredBead
from lrtk.align.search import bead_shapes, scored_path
from lrtk.align.vectors import BlockSums, SimilarityCosts, block_dots, unrelated_similarity
from lrtk.errors import DataError, UsageError, param
from lrtk.lexicon import numbers, words
from lrtk.lexicon.hashing import hash_bags

DIM = 1024
MERGE_PENALTY = 0.3
DELETION_COST = 0.8


def _ngrams(text: str) -> tuple[list[str], list[str]]:
    toks = words(text) + numbers(text)
    return toks, [a + " " + b for a, b in zip(toks, toks[1:])]


class BleuCosts:
    def __init__(self, translations: Sequence[str], tgt: Sequence[str], shapes):
        hyp = [_ngrams(t) for t in translations]
        ref = [_ngrams(t) for t in tgt]
        self.hyp1 = BlockSums(hash_bags([h[0] for h in hyp], DIM))
        self.hyp2 = BlockSums(hash_bags([h[1] for h in hyp], DIM))
        self.ref1 = BlockSums(hash_bags([r[0] for r in ref], DIM))
        self.ref2 = BlockSums(hash_bags([r[1] for r in ref], DIM))
        self.hyp_len = np.concatenate([[0], np.cumsum([len(h[0]) for h in hyp])])
        self.ref_len = np.concatenate([[0], np.cumsum([len(r[0]) for r in ref])])
        self.a = np.array([[a] for a, _ in shapes])
        self.b = np.array([[b] for _, b in shapes])
        single = [(1, 1)]
        baseline = unrelated_similarity(
            np.arange(len(translations)), np.arange(len(tgt)),
            lambda s, t: np.array([self._bleu(i + 1, np.array([j + 1]), single)[0, 0]
                                   for i, j in zip(s, t)]))
        self.to_cost = SimilarityCosts(shapes, baseline, merge_penalty=MERGE_PENALTY,
                                       deletion=DELETION_COST)

    def _bleu(self, i: int, js: np.ndarray, shapes) -> np.ndarray:
        """Sentence BLEU-2 (add-one smoothed bigrams, brevity penalty) per bead."""
        a = np.array([[s[0]] for s in shapes])
        b = np.array([[s[1]] for s in shapes])
        m1 = np.clip(block_dots(self.hyp1, self.ref1, i, js, shapes), 0, None)
        m2 = np.clip(block_dots(self.hyp2, self.ref2, i, js, shapes), 0, None)
        h = (self.hyp_len[i] - self.hyp_len[np.maximum(i - a, 0)]).astype(np.float64)
        r = self.ref_len[js][None, :] - self.ref_len[np.maximum(js[None, :] - b, 0)]
        h2 = np.maximum(h - 1, 0)  # bigrams in the hypothesis block
        p1 = np.minimum(m1, h) / np.maximum(h, 1)
        p2 = (np.minimum(m2, h2) + 1) / (h2 + 1)
        brevity = np.exp(np.minimum(0.0, 1.0 - r / np.maximum(h, 1)))
        return brevity * np.sqrt(p1 * p2)

    def row(self, i: int, js: np.ndarray, shapes) -> np.ndarray:
        return self.to_cost(self._bleu(i, js, shapes))


class TranslationAligner:
    name = "translation"

    def __init__(self, translations: dict[str, list[str]], max_side: int = 4, max_total: int = 5):
        """`translations` maps a document id to the translation of each source sentence."""
        self.translations = translations
        self.shapes = bead_shapes(max_side, max_total)

    def align(self, doc: DocPair) -> list[ScoredBead]:
        costs = BleuCosts(self.translations[doc.id], doc.tgt, self.shapes)
        return scored_path(len(doc.src), len(doc.tgt), self.shapes, costs)


def split_translations(lines: Sequence[str], docs: Sequence[DocPair], origin: str) -> dict[str, list[str]]:
    """Cut one translation per source sentence, in document order, into per-document lists."""
    expected = sum(len(d.src) for d in docs)
    if len(lines) != expected:
        raise DataError(f"{len(lines)} translations for {expected} source sentences",
                        path=origin, hint="give exactly one translation per source sentence, "
                                          "in the order of the documents")
    out, pos = {}, 0
    for d in docs:
        out[d.id] = list(lines[pos:pos + len(d.src)])
        pos += len(d.src)
    return out


def run_translate_command(command: str, sentences: Sequence[str]) -> list[str]:
    """Run `command` once with every source sentence on stdin; one translation per line out."""
    try:
        proc = subprocess.run(shlex.split(command), input="\n".join(sentences) + "\n",
                              capture_output=True, text=True, encoding="utf-8", check=False)
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot run {param('translate_cmd')} {command!r}: {e}",
                         hint="give a command that reads sentences on stdin") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise UsageError(f"{param('translate_cmd')} exited with status {proc.returncode}: {last}")
    return proc.stdout.splitlines()
