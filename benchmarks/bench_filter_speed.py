"""Whole-run speed of `lrtk filter`'s default bn-en chain in pairs per CPU second, the code of
another checkout (--before, e.g. main) and of this one run alternately in one invocation, so
that both see the same load; their outputs must be the same bytes.

The input is bench_scale.py's corpus (write_corpus); each run is a real `lrtk filter` process
tree (read, rules, margin fit in its child, judging, write) with --workers 1 and
OMP_NUM_THREADS=1, and its CPU seconds (user + sys of the tree) are what is compared: on a
shared machine wall seconds also measure what others took. Kept pairs, rejects (with their
scores) and the report of every run are compared byte for byte with the first run's.

    python benchmarks/bench_filter_speed.py --before /work/main --pairs 50000 --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from bench_scale import REPO, digest, measure, write_corpus

OUTPUTS = ("kept.jsonl", "rejects.jsonl", "report.json")


def run(repo: Path, pairs: Path, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    row = measure(["filter", pairs, "--src-lang", "bn", "--tgt-lang", "en", "--workers", 1,
                   "-o", out / OUTPUTS[0], "--rejects", out / OUTPUTS[1],
                   "--report", out / OUTPUTS[2]], repo)
    row["digests"] = [digest(out / name) for name in OUTPUTS]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, type=Path, help="Checkout of the old code.")
    parser.add_argument("--pairs", type=int, default=50000)
    parser.add_argument("--rounds", type=int, default=3, help="Alternations before/after.")
    args = parser.parse_args()
    cpu: dict[str, list[float]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp:
        pairs, _ = write_corpus(Path(tmp), args.pairs)
        digests = None
        for r in range(args.rounds):
            for name, repo in (("before", args.before), ("after", REPO)):
                row = run(repo, pairs, Path(tmp) / f"{name}-{r}")
                digests = digests or row["digests"]
                assert row["digests"] == digests, f"{name} round {r}: outputs differ"
                cpu[name].append(row["cpu_s"])
                print({"code": name, "round": r, **{k: v for k, v in row.items()
                                                     if k != "digests"}}, flush=True)
    print("| run | CPU s (median of %d) | pairs per CPU second |" % args.rounds)
    print("|---|---|---|")
    for name, values in cpu.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.1f} | {args.pairs / median:,.0f} |")


if __name__ == "__main__":
    main()
