"""The quality stage of a language-pair build: segment, align and filter scored on the pair's
own documents, whose sentences translators aligned line by line (../shared/data).

    python -m lrtk.pair_quality gold --set tico-bn --shared ../shared/data -o WORK/quality
    lrtk align ... (on WORK/quality/align.*.jsonl), lrtk align score, lrtk filter (noisy.jsonl)
    python -m lrtk.pair_quality report WORK/quality -o WORK/reports/quality.json

`gold` writes what the pipeline's own align and filter commands then run on (pipelines/lib.sh,
stage_quality), and scores segmentation itself, in process:

- segment: each side's lines joined into paragraphs and split back; boundary F1
  (lrtk.text.boundaries, the scorer of tests/test_segment_tico.py), with the set's reviewed
  ends inside lines as gold where it has a list (FLORES si), and then also against line ends
  alone.
- align: the documents with 10% of the non-English sentences merged and 5% dropped (English
  intact), and the gold beads (lrtk.align.perturb, as benchmarks/bench_align_quality.py).
- filter: the sentence pairs with 30% synthetic noise of known kinds (lrtk.filter.synthetic,
  as benchmarks/bench_filter.py); wrong-language targets come from the other languages'
  translations of the same lines (TICO-19) or from the other FLORES set.

`report` joins the three into one JSON report: boundary F1 per language, the aligner's strict
and lax F1 (from `lrtk align score`), the share of clean pairs the filter kept and of each noise
kind it flagged (from its kept pairs).
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

from lrtk.align.perturb import SETS, flores_documents, perturbed_set, tico_documents
from lrtk.filter.synthetic import NOISE_KINDS, detection_rates, inject_noise
from lrtk.io import write_json, write_jsonl
from lrtk.io.records import read_jsonl
from lrtk.text import boundaries

NOISE_RATE = 0.3
TICO_LANGS = ("bn", "ne", "ur")


def _documents(shared: Path, name: str, limit: int = 0) -> dict[str, tuple[list[str], list[str]]]:
    """Document id -> (English lines, other lines); the first `limit` documents (0: all)."""
    corpus, lang = name.split("-")
    docs = (flores_documents if corpus == "flores" else tico_documents)(shared, lang)
    return dict(itertools.islice(docs.items(), limit or None))


def _foreign(shared: Path, name: str, n: int) -> list[list[str]]:
    """Other-language texts of at least n lines each, for the wrong-language noise."""
    corpus, lang = name.split("-")
    others = [("tico", x) for x in TICO_LANGS if x != lang] if corpus == "tico" else \
        [("flores", "ne" if lang == "si" else "si")]
    texts = []
    for other in others:
        lines = [x for _, xx in _documents(shared, "-".join(other)).values() for x in xx]
        texts.append(list(itertools.islice(itertools.cycle(lines), n)))
    return texts


def _segment_scores(docs: dict[str, tuple[list[str], list[str]]], name: str) -> dict:
    """Boundary F1 per side. Where the set has reviewed ends inside lines (FLORES si), "f1"
    counts them as gold and "f1_lines" is the figure against line ends alone."""
    lang = name.split("-")[1]
    per_lang = {}
    for side, code in ((1, lang), (0, "en")):
        lines = [line for pair in docs.values() for line in pair[side]]
        ids = [doc for doc, pair in docs.items() for _ in pair[side]]
        paras = boundaries.paragraphs(lines, ids, code)
        inner = boundaries.reviewed_ends(name) if code == lang else {}
        tp, fp, fn = boundaries.boundary_counts(paras, code, inner)
        per_lang[code] = {"boundaries": tp + fn, "extra_splits": fp, "missed": fn,
                          "f1": round(boundaries.f1(tp, fp, fn), 4)}
        if inner:
            per_lang[code]["f1_lines"] = round(
                boundaries.f1(*boundaries.boundary_counts(paras, code)), 4)
    return per_lang


def gold(shared: Path, name: str, out: Path, seed: int, limit: int) -> None:
    lang = name.split("-")[1]
    docs = _documents(shared, name, limit)
    out.mkdir(parents=True, exist_ok=True)
    write_json({"set": name, "languages": _segment_scores(docs, name)}, out / "segment.json")

    pairs, beads = perturbed_set(shared, name)
    pairs, beads = pairs[:len(docs)], beads[:len(docs)]
    for side, code in (("src", "en"), ("tgt", lang)):
        write_jsonl(({"id": d.id, "lang": code, "sentences": getattr(d, side)}
                     for d in pairs), out / f"align.{code}.jsonl")
    (out / "align.gold.beads").write_text(
        "\n\n".join("\n".join(b.format() for b in doc) for doc in beads) + "\n",
        encoding="utf-8")

    src = [x for _, xx in docs.values() for x in xx]
    tgt = [e for en, _ in docs.values() for e in en]
    noisy = inject_noise(src, tgt, _foreign(shared, name, len(src)), lang, "en",
                         rate=NOISE_RATE, seed=seed)
    write_jsonl(noisy, out / "noisy.jsonl")


def report(folder: Path, output: Path) -> None:
    segment = json.loads((folder / "segment.json").read_text(encoding="utf-8"))
    align = json.loads((folder / "align.score.json").read_text(encoding="utf-8"))
    noisy = list(read_jsonl(str(folder / "noisy.jsonl")))
    kept = {r["id"] for r in read_jsonl(str(folder / "kept.jsonl"))}
    rates = detection_rates(noisy, kept)
    write_json({"set": segment["set"], "segment": segment["languages"],
                "align": next(iter(align["scores"].values())),
                "filter": {"noise_rate": NOISE_RATE, "kinds": list(NOISE_KINDS),
                           "noise_flagged": rates.get("noise", {}).get("flagged", 0.0),
                           "rates": rates}}, output)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gold", help="Write the align and filter inputs with their gold; "
                                    "score segmentation.")
    g.add_argument("--set", required=True, choices=[s for s in SETS if s != "textberg-defr"])
    g.add_argument("--shared", type=Path, required=True, help="The shared data folder.")
    g.add_argument("--seed", type=int, default=0, help="Seed of the injected noise.")
    g.add_argument("--documents", type=int, default=0,
                   help="Only the first N documents of the set (0, the default: all).")
    g.add_argument("-o", "--output", type=Path, required=True, help="Folder to write.")
    r = sub.add_parser("report", help="Join the three scores into one JSON report.")
    r.add_argument("folder", type=Path, help="The folder `gold` wrote, with align.score.json "
                                             "and kept.jsonl beside.")
    r.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "gold":
        gold(args.shared, args.set, args.output, args.seed, args.documents)
    else:
        report(args.folder, args.output)


if __name__ == "__main__":
    main()
