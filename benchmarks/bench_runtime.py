"""Decode and prefill speed of the native runtime on a random-weight TinyLlama-1.1B-shaped model
(22 layers, width 2048, 32 heads, 4 KV heads, FFN 5632, vocab 32000) at 2 and 4 bits, 1 and 2
threads, against the targets of the runtime issue and the machine's read bandwidth measured in
the same run (each decode step must read every weight once, so bandwidth bounds tokens/s).

    python benchmarks/bench_runtime.py --out bench-results    # writes runtime.md + runtime.json

Model files are written once by the exporter (`lrtk export --random-config tinyllama`, plain RTN)
into --cache and reused. Each model is timed in its own `lrtk bench model` process, so its peak
RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path


REPO = Path(__file__).resolve().parents[1]
# llama.cpp llama-bench decode tok/s on this machine kind (1 / 2 threads), from the issue.
LLAMA_CPP = {"Q4_0": (17.5, 31.2), "Q2_K": (21.4, 35.4), "TQ2_0": (32.2, 52.8)}
TARGETS = {"2": (45, 80), "4": (25, 45)}
COLUMNS = [("bits", "bits"), ("group_size", "group"), ("threads", "threads"), ("kernel", "kernel"),
           ("decode_tok_s", "decode tok/s"), ("target", "target"), ("prefill_tok_s", "prefill tok/s"),
           ("mb_per_token", "weights MB/token"), ("decode_weight_gb_s", "GB/s"),
           ("read_bandwidth_gbps", "read BW GB/s"), ("bandwidth_pct", "% of read BW"),
           ("bound_tok_s", "bound tok/s"), ("peak_rss_mib", "peak RSS MiB")]


def model_file(cache: Path, variant: str, group_size: int) -> Path:
    """variant: the bits, with '-symmetric' for codes without zero points."""
    from lrtk.export import QuantSpec, export, random_source
    from lrtk.io.model_file import VERSION

    # The file format version is in the name, so a cache from an older lrtk is not reused.
    path = cache / f"tinyllama-q{variant}-g{group_size}-v{VERSION}.lrtk"
    if not path.exists():
        print(f"writing {path} (once)", file=sys.stderr, flush=True)
        bits, _, symmetric = variant.partition("-")
        spec = QuantSpec(bits=bits, group_size=group_size, head="4", clip_search=False,
                         symmetric=bool(symmetric))
        export(random_source("tinyllama"), path, spec)
    return path


def bench(path: Path, threads: int, decode_tokens: int, repeats: int, kernel: str = "auto",
          prompt_tokens: int = 32, prefill: str = "auto") -> dict:
    """One `lrtk bench model` process; `kernel` goes in as LRTK_KERNEL and `prefill` (tables,
    int8) as LRTK_PREFILL ('auto': as set here)."""
    env = dict(os.environ, LRTK_QUIET="1")
    if kernel != "auto":
        env["LRTK_KERNEL"] = kernel
    if prefill != "auto":
        env["LRTK_PREFILL"] = prefill
    out = subprocess.run([sys.executable, "-m", "lrtk.cli.main", "bench", "model", str(path),
                          "--threads", str(threads), "--decode-tokens", str(decode_tokens),
                          "--prompt-tokens", str(prompt_tokens), "--repeats", str(repeats), "--json"],
                         check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.splitlines()[-1])


def matmul_weights() -> int:
    """Weights each decode step multiplies: every linear layer and the output head."""
    from lrtk.export.source import PRESETS

    c = PRESETS["tinyllama"]
    h, ffn = c["hidden_size"], c["intermediate_size"]
    kv = h * c["num_key_value_heads"] // c["num_attention_heads"]
    per_layer = h * (h + 2 * kv) + h * h + 3 * h * ffn  # q, k, v; o; gate, up, down
    return c["num_hidden_layers"] * per_layer + c["vocab_size"] * h


def ceilings(rows: list[dict]) -> dict:
    """The most tok/s any runtime could decode at the best read bandwidth of this run if it read
    exactly `bits` bits per multiplied weight and nothing else (no scales, norms or activations):
    where a target is above this, this machine cannot give it at that bit width."""
    weights = matmul_weights()
    out = {}
    for t in sorted({r["threads"] for r in rows}):
        best = max(r["read_bandwidth_gbps"] for r in rows if r["threads"] == t)
        out[t] = {"best_read_gbps": best,
                  **{f"{b}_bit_tok_s": round(best * 1e9 / (weights * b / 8), 1) for b in (2, 4)}}
    return out


def markdown(rows: list[dict], meta: dict) -> str:
    ref = ", ".join(f"{k} {a} / {b}" for k, (a, b) in LLAMA_CPP.items())
    lines = [f"# Native runtime: TinyLlama-1.1B shape, random weights, decode after a 32-token prompt",
             "", f"`{meta['command']}` on {meta['cpu']} ({meta['cores']} cores; "
             f"{meta['cpu_features']}), {meta['date']}. "
             f"Decode: {meta['decode']}. Read BW: after each decode run, a threaded read "
             "of as many bytes as it read (over huge pages, a span as large as one token reads; "
             "plain and prefetching, the faster) in the same process, best "
             "run; bound tok/s = read BW / weights per token, the most any runtime can decode "
             "then. Weights MB/token counts "
             "packed weights, half scales/zeros, the 4-bit head and norms. llama.cpp llama-bench "
             f"decode tok/s on this machine kind (1 / 2 threads, from the issue): {ref}.", "",
             "| " + " | ".join(t for _, t in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for r in rows:
        lines.append("| " + " | ".join(str(r[k]) for k, _ in COLUMNS) + " |")
    lines += ["", f"Ceiling: {meta['matmul_weights'] / 1e6:.1f} M weights are multiplied per "
              "token. Read at exactly 2.00 or 4.00 bits each and nothing else (no scales, norms or "
              "activations), the best read bandwidth of this run allows at most:", ""]
    for t, c in meta["ceilings"].items():
        lines.append(f"- {t} thread(s), {c['best_read_gbps']} GB/s: {c['2_bit_tok_s']} tok/s at "
                     f"2 bits (target >= {TARGETS['2'][min(t, 2) - 1]}), {c['4_bit_tok_s']} tok/s "
                     f"at 4 bits (target >= {TARGETS['4'][min(t, 2) - 1]})")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="Directory for runtime.md and runtime.json.")
    parser.add_argument("--cache", default=str(REPO / "build" / "bench-models"),
                        help="Where the model files are written once and reused.")
    parser.add_argument("--bits", default="2,2-symmetric,4",
                        help="Comma list of bit widths; '-symmetric' drops the zero points.")
    parser.add_argument("--group-size", type=int, default=128)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--decode-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3, help="Best of this many runs.")
    parser.add_argument("--kernels", default="auto",
                        help="Comma list of kernels (LRTK_KERNEL of each run), e.g. avx512,avx2: "
                        "each model and thread count runs under each in turn.")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_kernels import run_meta, write_report

    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    threads = [int(t) for t in args.threads.split(",")]
    rows = []
    for bits in args.bits.split(","):
        path = model_file(cache, bits, args.group_size)
        for t, kernel in ((t, k) for t in threads for k in args.kernels.split(",")):
            r = bench(path, t, args.decode_tokens, args.repeats, kernel)
            bandwidth = r["read_bandwidth_gbps"]  # timed between the decode runs
            target = TARGETS.get(bits.partition("-")[0], (None, None))[min(t, 2) - 1]
            rows.append({"bits": bits, "group_size": args.group_size, "threads": t,
                         "kernel": r["kernel"],
                         "decode_tok_s": round(r["decode_tok_s"], 1),
                         "prefill_tok_s": round(r["prefill_tok_s"], 1),
                         "target": f">= {target}" if target else "-",
                         "mb_per_token": round(r["weight_bytes_per_token"] / 1e6, 1),
                         "decode_weight_gb_s": round(r["decode_weight_gb_s"], 2),
                         "bandwidth_pct": f"{100 * r['decode_weight_gb_s'] / bandwidth:.0f}%",
                         "read_bandwidth_gbps": round(bandwidth, 2),
                         "bound_tok_s": round(bandwidth * 1e9 / r["weight_bytes_per_token"], 1),
                         "peak_rss_mib": round(r["peak_rss_mib"])})
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    from lrtk.kernels import cpu_features

    meta = run_meta("bench_runtime.py", cpu_features=cpu_features(),
                    decode=f"best of {args.repeats} runs of {args.decode_tokens} tokens",
                    matmul_weights=matmul_weights(), ceilings=ceilings(rows))
    write_report(args.out, "runtime", markdown(rows, meta), meta, rows)


if __name__ == "__main__":
    main()
