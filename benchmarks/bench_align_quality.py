"""Benchmark `lrtk align` accuracy on documents it was not tuned on: strict / lax F1 of the
offline ensemble (and each aligner) against gold beads.

Sets (lrtk.align.perturb): FLORES v1 dev ne-en and si-en, TICO-19 en-bn, en-ne, en-ur, with
10% of target sentences merged and 5% dropped (seed 7), and Text+Berg de-fr dev. FLORES si-en is the
held-out set: constants are chosen on the others and si-en is only read to report it.

    .venv/bin/python benchmarks/bench_align_quality.py --out bench-results
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
sys.path.insert(0, str(REPO))

from lrtk.align.beads import Bead  # noqa: E402
from lrtk.align.perturb import SETS, perturbed_set  # noqa: E402
from bench_align import write_results  # noqa: E402

HELD_OUT = "flores-si"


def evaluate(name: str) -> dict:
    """Strict / lax F1 of the default offline ensemble and of each of its aligners."""
    from lrtk.align.build import DEFAULT_OFFLINE, AlignerOptions, build_aligners
    from lrtk.align.ensemble import combine
    from lrtk.align.scoring import score_alignments

    docs, golds = perturbed_set(SHARED, name)
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
