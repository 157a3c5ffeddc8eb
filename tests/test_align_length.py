"""The vector aligners' length weight, measured from how much a corpus's translations spread
in length (lrtk.align.length), and carried by the fitted model to every shard."""

from __future__ import annotations

import json

from lrtk.align.beads import Bead, read_beads
from lrtk.align.build import AlignerOptions
from lrtk.align.fit import ModelFile, fit_document
from lrtk.align.inputs import PAIRS, AlignInput
from lrtk.align.length import (LENGTH_WEIGHT, REFERENCE_SPREAD, LengthProfile, length_spread,
                               length_weight)
from lrtk.align.perturb import tico_documents


def _gold_pairs(src, tgt, beads):
    ratio = LengthProfile(src, tgt).ratio
    return [(len(src[b.src[0]]), len(tgt[b.tgt[0]]), ratio) for b in beads if b.kind == (1, 1)]


def test_tighter_translations_weigh_length_more(shared):
    """TICO-19's sentence-by-sentence translations keep lengths tighter than Text+Berg's
    literary ones; the weight follows, within its bounds."""
    en, bn = next(iter(tico_documents(shared(), "bn").values()))
    tico = length_spread(_gold_pairs(en, bn, [Bead((i,), (i,)) for i in range(len(en))]))
    folder = shared("textberg_defr_dev")
    de = (folder / "dev.de").read_text(encoding="utf-8").splitlines()
    fr = (folder / "dev.fr").read_text(encoding="utf-8").splitlines()
    textberg = length_spread(_gold_pairs(de, fr, read_beads(folder / "dev.defr")[0]))
    print(f"spread of gold 1-1 pairs: TICO-19 {tico:.2f}, Text+Berg {textberg:.2f}")
    # Measured: TICO-19 1.12, Text+Berg 3.19 (the reference, 3.2, is Text+Berg's as the
    # bootstrap measures it on its confident beads).
    assert tico < 0.7 * textberg
    assert length_weight(tico) > 1.4 * LENGTH_WEIGHT
    assert abs(length_weight(textberg) - LENGTH_WEIGHT) < 0.02 * LENGTH_WEIGHT
    assert length_weight(REFERENCE_SPREAD) == LENGTH_WEIGHT
    assert length_weight(0.0) == 2 * LENGTH_WEIGHT and length_weight(1e9) == LENGTH_WEIGHT / 2
    assert length_spread([]) == REFERENCE_SPREAD


def test_model_file_carries_the_length_weight(shared, tmp_path):
    """A bootstrapped model holds the measured weight; one fitted before it existed loads
    with the fixed weight."""
    docs = tico_documents(shared(), "bn")
    pairs = tmp_path / "pairs.jsonl"
    with pairs.open("w", encoding="utf-8") as fh:
        for doc_id, (en, bn) in list(docs.items())[:3]:
            fh.write(json.dumps({"id": doc_id, "src": {"id": doc_id, "lang": "en", "sentences": en},
                                 "tgt": {"id": doc_id, "lang": "bn", "sentences": bn}},
                                ensure_ascii=False) + "\n")
    source = AlignInput(PAIRS, "en", "bn", path=str(pairs))
    opts = AlignerOptions()
    document = fit_document(source, list(range(3)), ["lexical", "embedding"], opts)
    assert document["length_weight"] > LENGTH_WEIGHT
    model = tmp_path / "model.json"
    model.write_text(json.dumps(document), encoding="utf-8")
    assert ModelFile(str(model), "en", "bn", opts).load().length_weight == document["length_weight"]
    del document["length_weight"]
    model.write_text(json.dumps(document), encoding="utf-8")
    assert ModelFile(str(model), "en", "bn", opts).load().length_weight == LENGTH_WEIGHT
