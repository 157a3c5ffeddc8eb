"""The part of an alignment run learned from the whole input, fitted once for every shard.

The lexical aligner's dictionary (and, where the scripts differ, the offline embedder's) is
bootstrapped from the documents themselves (lrtk.align.lexical). A sharded run cannot learn
it per shard, or shards would align with different dictionaries: it is learned once, from a
seeded sample of whole documents holding about `--fit-sample` source sentences (all of them,
in input order, when the input is smaller, which is the unsharded behaviour), and written
as a JSON model file that every shard, worker and machine loads. A dictionary from
--dictionary or --seed-pairs is learned once the same way, so shards never retrain IBM 1.

Why a sample: bootstrapping aligns every sampled document a first time and trains IBM 1 on
the confident half of its 1-1 beads, whose co-occurrence table grows with the sample; a
dictionary levels off after a few thousand sentence pairs.
"""

from __future__ import annotations

import json
from array import array
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from lrtk.align.build import AlignerOptions, Lexicon, fit_lexicon
from lrtk.align.inputs import AlignInput
from lrtk.align.length import LENGTH_WEIGHT
from lrtk.memory import keep_freed_memory
from lrtk.errors import DataError, UsageError, param
from lrtk.io.atomic import atomic_output
from lrtk.io.lines import read_bytes
from lrtk.parallel.workdir import content_hash

FORMAT = "lrtk-align-model"
VERSION = 1


def sample_units(counts: array, size: int, seed: int) -> list[int]:
    """Units (sorted) of a seeded random draw of documents until `size` source sentences;
    every unit with a source sentence when the input holds no more than that."""
    candidates = np.flatnonzero(np.frombuffer(counts, dtype=np.int64))
    sizes = np.frombuffer(counts, dtype=np.int64)[candidates]
    if sizes.sum() <= size:
        return candidates.tolist()
    order = np.random.default_rng(seed).permutation(len(candidates))
    # Whole documents up to and including the one that reaches `size`.
    take = int(np.searchsorted(np.cumsum(sizes[order]), size)) + 1
    return sorted(candidates[order[:take]].tolist())


def fit_document(source: AlignInput, units: Sequence[int], names: Sequence[str],
                 opts: AlignerOptions) -> dict:
    """The model file's content: the lexicon learned from `units` of the input."""
    keep_freed_memory()  # bootstrapping aligns the sample twice (lrtk.memory)
    lexicon = fit_lexicon(names, source.read_units(units), opts)
    entries = lexicon.dictionary.entries if lexicon.dictionary is not None else None
    return {"format": FORMAT, "version": VERSION, "src_lang": source.src_lang,
            "tgt_lang": source.tgt_lang, "dictionary": entries,
            "for_embedder": lexicon.for_embedder, "length_weight": lexicon.length_weight,
            "fitted_from": fitted_from(opts)}


def fitted_from(opts: AlignerOptions) -> dict:
    """The files a dictionary was learned from (content hashes): a model given with the same
    --dictionary or --seed-pairs is known to hold it."""
    return {option: content_hash(path) if path else None
            for option, path in ((param("dictionary"), opts.dictionary),
                                 (param("seed_pairs"), opts.seed_pairs))}


def save_model(path: str, document: dict) -> None:
    with atomic_output(path) as fh:
        fh.write(json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n")


@dataclass(frozen=True)
class ModelFile:
    """A model file and the languages of the run that loads it."""

    path: str
    src_lang: str
    tgt_lang: str
    opts: AlignerOptions

    def load(self) -> Lexicon:
        from lrtk.lexicon import Dictionary

        doc = self._document()
        if (doc["src_lang"], doc["tgt_lang"]) != (self.src_lang, self.tgt_lang):
            raise UsageError(f"the model is for {doc['src_lang']}-{doc['tgt_lang']}, not "
                             f"{self.src_lang}-{self.tgt_lang}", path=self.path,
                             hint=f"fit one for these languages ({param('fit_only')} "
                                  f"{param('model_out')})")
        for option, digest in fitted_from(self.opts).items():
            if digest is not None and doc["fitted_from"].get(option) != digest:
                raise UsageError(f"the model was not fitted from this {option}", path=self.path,
                                 hint=f"fit it with this {option}, or drop {option}")
        dictionary: Optional[Dictionary] = None
        if doc["dictionary"] is not None:
            # Saved probabilities are already normalised: renormalising could move their last
            # bits, and every shard must score with exactly the fitted numbers.
            dictionary = Dictionary({})
            dictionary.entries = doc["dictionary"]
        # Models fitted before the length weight was measured hold none: the fixed weight.
        return Lexicon(dictionary, bool(doc["for_embedder"]),
                       float(doc.get("length_weight", LENGTH_WEIGHT)))

    def _document(self) -> dict:
        try:
            doc = json.loads(read_bytes(self.path))
            if doc.get("format") != FORMAT or doc.get("version") != VERSION:
                raise ValueError
            if not isinstance(doc["dictionary"], (dict, type(None))) or \
                    not isinstance(doc["fitted_from"], dict) or \
                    not isinstance(doc.get("length_weight", LENGTH_WEIGHT), (int, float)):
                raise ValueError
            return doc
        except (ValueError, KeyError, AttributeError, UnicodeDecodeError):
            raise DataError(f"not an lrtk align model ({FORMAT} version {VERSION})",
                            path=self.path,
                            hint=f"write one with {param('fit_only')} and "
                                 f"{param('model_out')}") from None
