"""Noise detection of `lrtk filter`'s default chain on six parallel sets with 30% injected noise.

For each set the rules-only chain (the default without the filters that learn from the corpus:
length outlier and margin) runs as the baseline in the same invocation, so the table shows
what those add and cost. FLORES v1 si-en is held out (see datasets()).

    python benchmarks/bench_filter.py --out bench-results    # writes filter.md + filter.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from lrtk.filter import FilterChain, Pair, default_chain
from lrtk.filter.synthetic import NOISE_KINDS, detection_rates, inject_noise

MODEL_FILTERS = ("length_outlier", "margin")
SHARED = Path(os.environ.get("LRTK_SHARED_DATA",
                             Path(__file__).resolve().parents[1].parent / "shared" / "data"))


def tico(pair: str, name: str) -> list[str]:
    return (SHARED / "tico19" / pair / f"tico19-test.{name}").read_text("utf-8").splitlines()


def flores(pair: str, lang: str) -> list[str]:
    path = SHARED / "floresv1_dev" / f"wikipedia.dev.{pair}-en.{lang}"
    return path.read_text("utf-8").splitlines()


def tatoeba(lang: str) -> list[str]:
    path = SHARED / "tatoeba_ben_eng" / f"tatoeba-test-v2021-08-07.{lang}"
    return path.read_text("utf-8").splitlines()


def measure(chain: FilterChain, records: list[dict]) -> dict:
    start = time.perf_counter()
    outcomes = chain.run([Pair(r["src"], r["tgt"]) for r in records])
    seconds = time.perf_counter() - start
    kept = [r["id"] for r, o in zip(records, outcomes) if o.kept]
    return {"seconds": round(seconds, 2), "rates": detection_rates(records, kept)}


# Every set gets 30% injected noise; foreign texts give the wrong-language targets (cycled
# line by line, so each must be at least as long as the set). FLORES v1 si-en is the held-out
# set: the chain's constants were chosen on the others and only checked on it.
def datasets() -> list[tuple[str, str, list[str], list[str], list[list[str]]]]:
    ne, ur, bn = tico("en-ne", "ne"), tico("en-ur", "ur"), tico("en-bn", "bn")
    fne, fsi = flores("ne", "ne"), flores("si", "si")
    return [
        ("TICO-19 bn-en", "bn", bn, tico("en-bn", "en"), [ne, ur]),
        ("TICO-19 ne-en", "ne", ne, tico("en-ne", "en"), [bn, ur]),
        ("TICO-19 ur-en", "ur", ur, tico("en-ur", "en"), [bn, ne]),
        ("FLORES v1 dev ne-en", "ne", fne, flores("ne", "en"), [fsi]),
        ("Tatoeba ben-eng", "bn", tatoeba("ben"), tatoeba("eng"), [ne + ne, ur + ur]),
        ("FLORES v1 dev si-en (held out)", "si", fsi, flores("si", "en"), [fne + fne]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="Directory for filter.md and filter.json.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = []
    for name, lang, src, tgt, foreign in datasets():
        records = inject_noise(src, tgt, foreign, lang, "en", rate=0.3, seed=args.seed)
        full = default_chain(lang, "en")
        rules = FilterChain([f for f in full.filters if f.name not in MODEL_FILTERS])
        for chain_name, chain in (("rules only (baseline)", rules), ("default chain", full)):
            rows.append({"data": name, "chain": chain_name, **measure(chain, records)})
            print(rows[-1], flush=True)
    header = ["data", "chain", "clean kept", "noise flagged",
              *[f"{k} flagged" for k in NOISE_KINDS], "seconds"]
    lines = ["# lrtk filter: injected-noise detection (30% noise in equal parts, "
             "lrtk.filter.synthetic)", "",
             f"`python benchmarks/bench_filter.py --out bench-results` (seed {args.seed})", "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        rates = row["rates"]
        cells = [row["data"], row["chain"], f"{100 * rates['clean']['kept']:.1f}%",
                 *[f"{100 * rates[k]['flagged']:.1f}%" for k in ("noise", *NOISE_KINDS)],
                 row["seconds"]]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "filter.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "filter.json").write_text(json.dumps({"noise": rows}, indent=2) + "\n",
                                     encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
