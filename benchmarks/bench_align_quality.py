"""Benchmark `lrtk align` accuracy on documents it was not tuned on: strict / lax F1 of the
offline ensemble (and each aligner) against gold beads.

Sets, all from ../shared/data:
- FLORES v1 dev ne-en and si-en (Wikipedia articles, CC BY-SA): one document per article id,
  in file order; a source line repeated with a second reference keeps its first reference only.
- TICO-19 en-bn, en-ne, en-ur (CC0): one document per document id.
- Text+Berg de-fr dev (GPL-2.0): its own exhaustive gold, unperturbed.
English is the source; the other side has 10% of neighbouring sentences merged and 5% dropped
(lrtk.align.perturb, seed 7), so the gold holds 1-1, 2-1 and 1-0 beads. FLORES si-en is the
held-out set: constants are chosen on the others and si-en is only read to report it.

    .venv/bin/python benchmarks/bench_align_quality.py --out bench-results
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))

from lrtk.align.beads import Bead, read_beads  # noqa: E402
from lrtk.align.document import DocPair  # noqa: E402
from bench_align import write_results  # noqa: E402

SETS = ("flores-ne", "flores-si", "tico-bn", "tico-ne", "tico-ur", "textberg-defr")
HELD_OUT = "flores-si"


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _flores(lang: str) -> dict[str, tuple[list[str], list[str]]]:
    root = SHARED / "floresv1_dev"
    ids = _lines(root / f"wikipedia.dev.{lang}-en.doc_id")
    xx = _lines(root / f"wikipedia.dev.{lang}-en.{lang}")
    en = _lines(root / f"wikipedia.dev.{lang}-en.en")
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


def _tico(lang: str) -> dict[str, tuple[list[str], list[str]]]:
    root = SHARED / "tico19" / f"en-{lang}"
    info = _lines(root / "tico19-test.en.info")
    docs: dict[str, tuple[list[str], list[str]]] = {}
    for line, e, x in zip(info, _lines(root / "tico19-test.en"),
                          _lines(root / f"tico19-test.{lang}")):
        doc_id = line.split("\t")[0].rsplit(":", 1)[0]
        docs.setdefault(doc_id, ([], []))
        docs[doc_id][0].append(e)
        docs[doc_id][1].append(x)
    return docs


def perturbed_set(name: str, seed: int = 7) -> tuple[list[DocPair], list[list[Bead]]]:
    """Documents and gold beads of one named set."""
    from lrtk.align.perturb import merge_and_drop

    if name == "textberg-defr":
        root = SHARED / "textberg_defr_dev"
        doc = DocPair("dev", _lines(root / "dev.de"), _lines(root / "dev.fr"), "de", "fr")
        return [doc], read_beads(root / "dev.defr")
    corpus, lang = name.split("-")
    parallel = _flores(lang) if corpus == "flores" else _tico(lang)
    rng = random.Random(seed)
    docs, golds = [], []
    for doc_id, (en, xx) in parallel.items():
        tgt, gold = merge_and_drop(xx, rng)
        docs.append(DocPair(doc_id, en, tgt, "en", lang))
        golds.append(gold)
    return docs, golds


def evaluate(name: str) -> dict:
    """Strict / lax F1 of the default offline ensemble and of each of its aligners."""
    from lrtk.align.build import DEFAULT_OFFLINE, AlignerOptions, build_aligners
    from lrtk.align.ensemble import combine
    from lrtk.align.scoring import score_alignments

    docs, golds = perturbed_set(name)
    aligners = build_aligners(DEFAULT_OFFLINE, docs, AlignerOptions(), docs[0].src_lang)
    preds: dict[str, list[list[Bead]]] = {a.name: [] for a in aligners}
    preds["ensemble"] = []
    for doc in docs:
        single = {a.name: a.align(doc) for a in aligners}
        for a_name, beads in single.items():
            preds[a_name].append([sb.bead for sb in beads])
        preds["ensemble"].append([v.bead for v in combine(single, 2, len(doc.tgt))])
    scores = {k: score_alignments(golds, p).as_dict() for k, p in preds.items()}
    return {"set": name, "documents": len(docs), "held_out": name == HELD_OUT,
            "sentences": sum(len(d.src) for d in docs), "scores": scores}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench-results")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated, from " + ", ".join(SETS))
    args = parser.parse_args()
    runs = [evaluate(name) for name in args.sets.split(",")]
    lines = ["# lrtk align: accuracy on perturbed documents (strict F1 / lax F1)", "",
             "| set | docs | src sentences | ensemble | lexical | embedding | length |",
             "|---|---|---|---|---|---|---|"]
    for r in runs:
        s = r["scores"]
        cells = [f"{s[k]['strict_f1']:.3f} / {s[k]['lax_f1']:.3f}"
                 for k in ("ensemble", "lexical", "embedding", "length")]
        label = r["set"] + (" (held out)" if r["held_out"] else "")
        lines.append(f"| {label} | {r['documents']} | {r['sentences']} | " + " | ".join(cells) + " |")
    write_results(Path(args.out), "align_quality", lines, runs)

if __name__ == "__main__":
    main()
