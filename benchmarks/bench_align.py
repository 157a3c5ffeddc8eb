"""Benchmark `lrtk align`: sentences per second for 1k- and 10k-sentence documents.

Documents are TICO-19 English–Bengali text (tiled to length), with the Bengali side
perturbed as in the tests (10% of neighbours merged, 5% dropped). Each size runs in its own
process so peak memory (max RSS) is per size. The 1k run is the baseline: the table reports
the 10k throughput relative to it, which stays near 1.0 when time is linear in length.

    .venv/bin/python benchmarks/bench_align.py --out bench-results
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "tico19" / "en-bn"
SIZES = (1000, 10000)


def _documents(n: int):
    sys.path.insert(0, str(REPO))
    from lrtk.align.document import DocPair
    from lrtk.align.perturb import merge_and_drop

    en = (DATA / "tico19-test.en").read_text(encoding="utf-8").splitlines()
    bn = (DATA / "tico19-test.bn").read_text(encoding="utf-8").splitlines()
    reps = n // len(en) + 1
    en, bn = (en * reps)[:n], (bn * reps)[:n]
    out, _ = merge_and_drop(bn, random.Random(0))
    return [DocPair(f"tico-{n}", en, out, "en", "bn")]


def run_one(n: int) -> dict:
    """Align one n-sentence document pair with the default offline ensemble."""
    from lrtk.memory import keep_freed_memory
    from lrtk.align.sharded import one_blas_thread

    docs = _documents(n)
    keep_freed_memory()
    with one_blas_thread():  # as `lrtk align` runs: one process per core, BLAS included
        return _timed(docs, n)


def _timed(docs, n: int) -> dict:
    from lrtk.align.build import AlignerOptions, build_aligners
    from lrtk.align.ensemble import combine

    timings = {}
    start = time.process_time()
    aligners = build_aligners(["lexical", "embedding", "length"], docs, AlignerOptions(), "en")
    timings["bootstrap"] = time.process_time() - start
    results = {}
    for a in aligners:
        t = time.process_time()
        results[a.name] = a.align(docs[0])
        timings[a.name] = time.process_time() - t
    t = time.process_time()
    combine(results, 2, len(docs[0].tgt))
    timings["combine"] = time.process_time() - t
    timings["ensemble total"] = time.process_time() - start
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"sentences": n, "cpu_s": timings, "max_rss_mib": round(rss_mib, 1)}


def write_results(out: Path, stem: str, lines: list[str], runs: list[dict]) -> None:
    """The table as OUT/STEM.md (and on stdout), the raw runs as OUT/STEM.json."""
    table = "\n".join(lines) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.md").write_text(table, encoding="utf-8")
    (out / f"{stem}.json").write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")
    print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench-results")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one)))
        return
    runs = []
    for n in SIZES:
        proc = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True,
                              text=True, check=True)
        runs.append(json.loads(proc.stdout))
    base, big = runs
    lines = ["# lrtk align: throughput (CPU seconds; sentences/s per side)", "",
             "| stage | 1k s | 1k sent/s | 10k s | 10k sent/s | 10k/1k throughput |",
             "|---|---|---|---|---|---|"]
    for stage in base["cpu_s"]:
        t1, t10 = base["cpu_s"][stage], big["cpu_s"][stage]
        r1, r10 = base["sentences"] / max(t1, 1e-9), big["sentences"] / max(t10, 1e-9)
        lines.append(f"| {stage} | {t1:.2f} | {r1:,.0f} | {t10:.2f} | {r10:,.0f} | {r10 / r1:.2f} |")
    lines += ["", f"max RSS: 1k {base['max_rss_mib']} MiB, 10k {big['max_rss_mib']} MiB "
                  f"(a dense 10k x 10k float64 matrix alone would be 763 MiB)"]
    write_results(Path(args.out), "align", lines, runs)


if __name__ == "__main__":
    main()
