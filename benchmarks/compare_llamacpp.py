"""lrtk's native runtime against llama.cpp's llama-bench on the same TinyLlama-1.1B-shaped random
model, decode and prefill, alternating the two in one invocation so both see the same machine
(the runtime issue's llama.cpp figures were measured at another time, on a machine whose memory
bandwidth moves).

    python benchmarks/compare_llamacpp.py --llama-bench PATH/llama-bench \\
        --gguf Q4_0=tl-Q4_0.gguf --gguf Q2_K=tl-Q2_K.gguf --gguf TQ2_0=tl-TQ2_0.gguf \\
        --prompt-tokens 64,128,512 --out bench-results   # writes llamacpp.md + llamacpp.json

llama.cpp is not part of lrtk and not built by `make bench`; docs/benchmarks.md "Against llama.cpp" gives
the commands that build llama-bench and write the GGUF files. lrtk's models are the ones
bench_runtime.py writes (same cache). Decode: both sides decode 64 tokens (llama-bench -n 64,
lrtk after a 32-token prompt). Prefill of N tokens: llama-bench -p N -n 0 against lrtk bench
--prompt-tokens N. Best of 3 runs per round; the table keeps each side's best round.
--prefill tables,auto times lrtk's prompts through each prefill product (LRTK_PREFILL) in the
same rounds: the T-MAC tables against the int8 path, before and after, on one machine.
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
# Runtime issue 19: prefill at least this many times llama.cpp's, same model, same run.
PREFILL_TARGET = {"Q4_0": 1.5, "Q2_K": 2.0, "TQ2_0": 2.0}


def llama_tok_s(llama_bench: str, gguf: str, threads: int, prompt: int | None) -> float:
    """Best of REPEATS llama-bench runs: decode (tg64 from an empty context) when prompt is
    None, else prefill of `prompt` tokens (pp<prompt>)."""
    lengths = ["-p", "0", "-n", str(DECODE_TOKENS)] if prompt is None else ["-p", str(prompt), "-n", "0"]
    out = subprocess.run([llama_bench, "-m", gguf, *lengths, "-t", str(threads), "-r", str(REPEATS),
                          "-o", "json"], check=True, capture_output=True, text=True)
    return max(json.loads(out.stdout)[0]["samples_ts"])


def lrtk_run(path: Path, threads: int, prompt: int | None, prefill: str = "auto") -> tuple[float, str]:
    """Best of REPEATS lrtk runs and the kernel they ran: decode (64 tokens after a 32-token
    prompt) when prompt is None, else prefill of `prompt` tokens through `prefill`."""
    from bench_runtime import bench

    if prompt is None:
        r = bench(path, threads, DECODE_TOKENS, REPEATS)
        return r["decode_tok_s"], r["kernel"]
    r = bench(path, threads, 1, REPEATS, prompt_tokens=prompt, prefill=prefill)
    return r["prefill_tok_s"], r["kernel"]


def phase_name(prompt: int | None) -> str:
    return f"decode tg{DECODE_TOKENS}" if prompt is None else f"prefill pp{prompt}"


def target_ratio(variant: str, gguf: str, threads: int, prompt: int | None) -> float | None:
    """How much faster than llama.cpp the issues' targets ask lrtk to be: in prefill, issue 19's
    ratio; in decode, the runtime issue's target over its llama.cpp figure."""
    from bench_runtime import LLAMA_CPP, TARGETS

    if prompt is not None:
        return PREFILL_TARGET.get(gguf)
    if gguf not in LLAMA_CPP or threads not in (1, 2):
        return None
    return round(TARGETS[variant.partition("-")[0]][threads - 1] / LLAMA_CPP[gguf][threads - 1], 2)


def markdown(rows: list[dict], meta: dict) -> str:
    lines = ["# lrtk native runtime vs llama.cpp, TinyLlama-1.1B shape, random weights", "",
             f"`{meta['command']}` on {meta['cpu']} ({meta['cores']} cores; CPU features "
             f"{meta['cpu_features']}; lrtk kernel {meta['kernel']}), {meta['date']}; "
             f"llama.cpp {meta['llama_cpp']}. tok/s, best of {REPEATS} runs per round, best of "
             f"{meta['rounds']} rounds; the two engines alternate, so both see the same machine. "
             f"Decode: {DECODE_TOKENS} tokens; prefill ppN: a prompt of N tokens (llama-bench -p N "
             "-n 0, lrtk bench --prompt-tokens N). MB is each model file's size. Target ratio: "
             "how many times llama.cpp's speed the issues ask for.", "",
             "| threads | phase | lrtk | MB | tok/s | llama.cpp | MB | tok/s | lrtk / llama.cpp "
             "| target ratio |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        variant, _, prefill = r["lrtk"].partition("@")
        bits, _, symmetric = variant.partition("-")
        label = f"{bits}-bit {symmetric}".strip() + (f" ({prefill} prefill)" if prefill else "")
        lines.append(f"| {r['threads']} | {r['phase']} | {label} | {r['lrtk_mb']} | "
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
    parser.add_argument("--prompt-tokens", default="64,128,512",
                        help="Comma list of prefill lengths compared ('' for decode only).")
    parser.add_argument("--prefill", default="auto",
                        help="Comma list of lrtk prefill products (LRTK_PREFILL: auto, tables, "
                        "int8), each timed in every round, e.g. tables,auto.")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_kernels import run_meta, write_report
    from bench_runtime import model_file
    from lrtk.kernels import cpu_features

    ggufs = dict(item.split("=", 1) for item in args.gguf)
    for name, path in ggufs.items():
        if not os.path.isfile(path):
            sys.exit(f"compare_llamacpp: {path}: GGUF file not found (--gguf {name}=PATH)")
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    variants = {v: model_file(cache, v, 128) for v in PAIRS if set(PAIRS[v]) & set(ggufs)}
    threads = [int(t) for t in args.threads.split(",")]
    phases = [None] + [int(n) for n in args.prompt_tokens.split(",") if n.strip()]
    best: dict[tuple[str, str, int, int | None], float] = {}
    kernels: set[str] = set()

    prefills = [p.strip() for p in args.prefill.split(",") if p.strip()]
    labelled = len(prefills) > 1

    def lrtk_names(variant: str, prompt: int | None) -> list[tuple[str, str]]:
        """(row name, LRTK_PREFILL) of each lrtk run: decode takes no prefill product."""
        if prompt is None or not labelled:
            return [(variant, prefills[0] if prompt is not None else "auto")]
        return [(f"{variant}@{p}", p) for p in prefills]

    def lrtk_timed(path: Path, t: int, prompt: int | None, prefill: str) -> float:
        tok_s, kernel = lrtk_run(path, t, prompt, prefill)
        kernels.add(kernel)
        return tok_s

    for round_ in range(args.rounds):
        for t, prompt in ((t, p) for t in threads for p in phases):
            timed_this_round: set[str] = set()  # TQ2_0 pairs with two lrtk variants
            for variant, path in variants.items():
                runs = [("lrtk", name, lambda p=path, m=mode: lrtk_timed(p, t, prompt, m))
                        for name, mode in lrtk_names(variant, prompt)]
                for g in PAIRS[variant]:
                    if g in ggufs and g not in timed_this_round:
                        timed_this_round.add(g)
                        runs.append(("llama.cpp", g, lambda g=g: llama_tok_s(
                            args.llama_bench, ggufs[g], t, prompt)))
                for engine, name, timed in (runs if round_ % 2 == 0 else runs[::-1]):
                    key = (engine, name, t, prompt)
                    tok_s = timed()
                    best[key] = max(best.get(key, 0.0), tok_s)
                    print(f"round {round_ + 1} {phase_name(prompt)} {engine} {name} x{t}: "
                          f"{tok_s:.1f} tok/s", file=sys.stderr, flush=True)
    rows = []
    for t, prompt in ((t, p) for t in threads for p in phases):
        for variant, path in variants.items():
            for g, (name, _) in ((g, n) for g in PAIRS[variant] for n in lrtk_names(variant, prompt)):
                if g not in ggufs:
                    continue
                ours, theirs = best[("lrtk", name, t, prompt)], best[("llama.cpp", g, t, prompt)]
                rows.append({"threads": t, "phase": phase_name(prompt), "lrtk": name,
                             "lrtk_mb": round(path.stat().st_size / 1e6, 1),
                             "lrtk_tok_s": round(ours, 1), "llama_cpp": g,
                             "llama_mb": round(os.path.getsize(ggufs[g]) / 1e6, 1),
                             "llama_tok_s": round(theirs, 1), "ratio": round(ours / theirs, 2),
                             "target_ratio": target_ratio(variant, g, t, prompt)})
    version = subprocess.run([args.llama_bench, "--version"], capture_output=True, text=True)
    meta = run_meta("compare_llamacpp.py", rounds=args.rounds, cpu_features=cpu_features(),
                    kernel=", ".join(sorted(kernels)),
                    llama_cpp=(version.stdout + version.stderr).strip().splitlines()[0]
                    if (version.stdout + version.stderr).strip() else "unknown build")
    write_report(args.out, "llamacpp", markdown(rows, meta), meta, rows)


if __name__ == "__main__":
    main()
