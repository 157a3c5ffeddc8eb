"""Gold alignments for evaluation: a side of a parallel document with sentences merged and
dropped, and the beads that map the untouched side onto it (what tests and benchmarks score
the aligners against), for the document sets of the shared data folder:

- FLORES v1 dev ne-en and si-en (Wikipedia articles): one document per article id, in file
  order; a source line repeated with a second reference keeps its first reference only.
- TICO-19 en-bn, en-ne, en-ur: one document per document id.
- Text+Berg de-fr dev: its own exhaustive gold, unperturbed.
English is the source; the other side has 10% of neighbouring sentences merged and 5% dropped,
so the gold holds 1-1, 2-1 and 1-0 beads."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Sequence

from lrtk.align.beads import Bead, read_beads
from lrtk.align.document import DocPair

MERGE_SHARE = 0.10
DROP_SHARE = 0.05
SETS = ("flores-ne", "flores-si", "tico-bn", "tico-ne", "tico-ur", "textberg-defr")


def merge_and_drop(sents: Sequence[str], rng: random.Random) -> tuple[list[str], list[Bead]]:
    """Merge 10% of neighbouring sentences and drop 5%. Returns the perturbed sentences and
    the gold beads from the original side (index i) to the perturbed one: a dropped sentence
    is a 1-0 bead, a merged pair a 2-1 bead."""
    out: list[str] = []
    gold: list[Bead] = []
    i = 0
    while i < len(sents):
        r = rng.random()
        if r < DROP_SHARE:
            gold.append(Bead((i,), ()))
            i += 1
        elif r < DROP_SHARE + MERGE_SHARE and i + 1 < len(sents):
            gold.append(Bead((i, i + 1), (len(out),)))
            out.append(sents[i] + " " + sents[i + 1])
            i += 2
        else:
            gold.append(Bead((i,), (len(out),)))
            out.append(sents[i])
            i += 1
    return out, gold


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def flores_documents(root: Path, lang: str) -> dict[str, tuple[list[str], list[str]]]:
    """FLORES v1 dev {lang}-en: document id -> (English sentences, {lang} sentences)."""
    folder = root / "floresv1_dev"
    ids = _lines(folder / f"wikipedia.dev.{lang}-en.doc_id")
    xx = _lines(folder / f"wikipedia.dev.{lang}-en.{lang}")
    en = _lines(folder / f"wikipedia.dev.{lang}-en.en")
    docs: dict[str, tuple[list[str], list[str]]] = {}
    seen: set[str] = set()
    for doc_id, e, x in zip(ids, en, xx):
        if x in seen:
            continue
        seen.add(x)
        docs.setdefault(doc_id, ([], []))
        docs[doc_id][0].append(e)
        docs[doc_id][1].append(x)
    return docs


def tico_documents(root: Path, lang: str) -> dict[str, tuple[list[str], list[str]]]:
    """TICO-19 en-{lang}: document id -> (English sentences, {lang} sentences)."""
    folder = root / "tico19" / f"en-{lang}"
    info = _lines(folder / "tico19-test.en.info")
    docs: dict[str, tuple[list[str], list[str]]] = {}
    for line, e, x in zip(info, _lines(folder / "tico19-test.en"),
                          _lines(folder / f"tico19-test.{lang}")):
        doc_id = line.split("\t")[0].rsplit(":", 1)[0]
        docs.setdefault(doc_id, ([], []))
        docs[doc_id][0].append(e)
        docs[doc_id][1].append(x)
    return docs


def perturbed_set(root: Path, name: str, seed: int = 7) -> tuple[list[DocPair], list[list[Bead]]]:
    """Documents and gold beads of one named set (SETS), read from the shared data folder
    `root`."""
    if name == "textberg-defr":
        folder = root / "textberg_defr_dev"
        doc = DocPair("dev", _lines(folder / "dev.de"), _lines(folder / "dev.fr"), "de", "fr")
        return [doc], read_beads(folder / "dev.defr")
    corpus, lang = name.split("-")
    parallel = flores_documents(root, lang) if corpus == "flores" else tico_documents(root, lang)
    rng = random.Random(seed)
    docs, golds = [], []
    for doc_id, (en, xx) in parallel.items():
        tgt, gold = merge_and_drop(xx, rng)
        docs.append(DocPair(doc_id, en, tgt, "en", lang))
        golds.append(gold)
    return docs, golds
