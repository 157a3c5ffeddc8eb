"""lrtk's native runtime against llama.cpp's llama-bench on the same TinyLlama-1.1B-shaped random
model, alternating the two in one invocation so both see the same machine (the runtime issue's
llama.cpp figures were measured at another time, on a machine whose memory bandwidth moves).

    python benchmarks/compare_llamacpp.py --llama-bench PATH/llama-bench \\
        --gguf Q4_0=tl-Q4_0.gguf --gguf Q2_K=tl-Q2_K.gguf --gguf TQ2_0=tl-TQ2_0.gguf \\
        --out bench-results                    # writes llamacpp.md + llamacpp.json

llama.cpp is not part of lrtk and not built by `make bench`; docs/benchmarks.md "Against llama.cpp" gives
the commands that build llama-bench and write the GGUF files. lrtk's models are the ones
bench_runtime.py writes (same cache). Both sides decode 64 tokens, best of 3 runs per round;
the table keeps each side's best round.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Which llama.cpp format each lrtk variant is compared with (lrtk variant -> GGUF names).
PAIRS = {"2": ("TQ2_0", "Q2_K"), "2-symmetric": ("TQ2_0", "Q2_K"), "4": ("Q4_0",)}
DECODE_TOKENS, REPEATS = 64, 3


def llama_tok_s(llama_bench: str, gguf: str, threads: int) -> float:
    """Best of REPEATS llama-bench decode runs (tg64 from an empty context)."""
    out = subprocess.run([llama_bench, "-m", gguf, "-p", "0", "-n", str(DECODE_TOKENS),
                          "-t", str(threads), "-r", str(REPEATS), "-o", "json"],
                         check=True, capture_output=True, text=True)
    return max(json.loads(out.stdout)[0]["samples_ts"])


def lrtk_tok_s(path: Path, threads: int) -> float:
    """Best of REPEATS lrtk decode runs (64 tokens after a 32-token prompt)."""
    from bench_runtime import bench

    return bench(path, threads, DECODE_TOKENS, REPEATS)["decode_tok_s"]


def target_ratio(variant: str, gguf: str, threads: int) -> float | None:
    """How much faster than the issue's llama.cpp figure the issue's target asks lrtk to be."""
    from bench_runtime import LLAMA_CPP, TARGETS

    if gguf not in LLAMA_CPP or threads not in (1, 2):
        return None
    return round(TARGETS[variant.partition("-")[0]][threads - 1] / LLAMA_CPP[gguf][threads - 1], 2)


def markdown(rows: list[dict], meta: dict) -> str:
    lines = ["# lrtk native runtime vs llama.cpp, TinyLlama-1.1B shape, random weights", "",
             f"`{meta['command']}` on {meta['cpu']} ({meta['cores']} cores), {meta['date']}; "
             f"llama.cpp {meta['llama_cpp']}. Decode tok/s, best of {REPEATS} runs of "
             f"{DECODE_TOKENS} tokens per round, best of {meta['rounds']} rounds; the two "
             "engines alternate, so both see the same machine. MB is each model file's size. "
             "Target ratio: the issue's target over the issue's llama.cpp figure.", "",
             "| threads | lrtk | MB | tok/s | llama.cpp | MB | tok/s | lrtk / llama.cpp "
             "| target ratio |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        bits, _, symmetric = r["lrtk"].partition("-")
        label = f"{bits}-bit {symmetric}".strip()
        lines.append(f"| {r['threads']} | {label} | {r['lrtk_mb']} | "
                     f"{r['lrtk_tok_s']} | {r['llama_cpp']} | {r['llama_mb']} | "
                     f"{r['llama_tok_s']} | {r['ratio']}x | {r['target_ratio'] or '-'}x |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llama-bench", required=True, help="llama.cpp's llama-bench binary.")
    parser.add_argument("--gguf", action="append", required=True, metavar="NAME=PATH",
                        help="A llama.cpp model file of the TinyLlama shape, e.g. TQ2_0=tl.gguf.")
    parser.add_argument("--out", required=True, help="Directory for llamacpp.md and .json.")
    parser.add_argument("--cache", default=str(REPO / "build" / "bench-models"),
                        help="lrtk model files, as bench_runtime.py writes them.")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--rounds", type=int, default=2, help="Alternations of the engines.")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_kernels import run_meta, write_report
    from bench_runtime import model_file

    ggufs = dict(item.split("=", 1) for item in args.gguf)
    for name, path in ggufs.items():
        if not os.path.isfile(path):
            sys.exit(f"compare_llamacpp: {path}: GGUF file not found (--gguf {name}=PATH)")
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    variants = {v: model_file(cache, v, 128) for v in PAIRS if set(PAIRS[v]) & set(ggufs)}
    threads = [int(t) for t in args.threads.split(",")]
    best: dict[tuple[str, str, int], float] = {}
    for round_ in range(args.rounds):
        for t in threads:
            timed_this_round: set[str] = set()  # TQ2_0 pairs with two lrtk variants
            for variant, path in variants.items():
                runs = [("lrtk", variant, lambda p=path, t=t: lrtk_tok_s(p, t))]
                for g in PAIRS[variant]:
                    if g in ggufs and g not in timed_this_round:
                        timed_this_round.add(g)
                        runs.append(("llama.cpp", g, lambda g=g, t=t: llama_tok_s(
                            args.llama_bench, ggufs[g], t)))
                for engine, name, timed in (runs if round_ % 2 == 0 else runs[::-1]):
                    key = (engine, name, t)
                    tok_s = timed()
                    best[key] = max(best.get(key, 0.0), tok_s)
                    print(f"round {round_ + 1} {engine} {name} x{t}: {tok_s:.1f} tok/s",
                          file=sys.stderr, flush=True)
    rows = []
    for t in threads:
        for variant, path in variants.items():
            for g in PAIRS[variant]:
                if g not in ggufs:
                    continue
                ours, theirs = best[("lrtk", variant, t)], best[("llama.cpp", g, t)]
                rows.append({"threads": t, "lrtk": variant,
                             "lrtk_mb": round(path.stat().st_size / 1e6, 1),
                             "lrtk_tok_s": round(ours, 1), "llama_cpp": g,
                             "llama_mb": round(os.path.getsize(ggufs[g]) / 1e6, 1),
                             "llama_tok_s": round(theirs, 1), "ratio": round(ours / theirs, 2),
                             "target_ratio": target_ratio(variant, g, t)})
    version = subprocess.run([args.llama_bench, "--version"], capture_output=True, text=True)
    meta = run_meta("compare_llamacpp.py", rounds=args.rounds,
                    llama_cpp=(version.stdout + version.stderr).strip().splitlines()[0]
                    if (version.stdout + version.stderr).strip() else "unknown build")
    write_report(args.out, "llamacpp", markdown(rows, meta), meta, rows)


if __name__ == "__main__":
    main()
