"""T-MAC GEMV speed at bits 1-4 and ternary, 4096x4096 and 11008x4096, 1 and 2 threads.

Every row streams its weights (copies >= 256 MB) and is compared with baselines measured in
the same run: the dequantize-then-dot C GEMV, numpy float32, and the read bandwidth.

    python benchmarks/bench_kernels.py --out bench-results    # writes kernels.md + kernels.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from lrtk.kernels import cpu_features, qtype_of
from lrtk.kernels.bench import against_kernels, bench_gemv, random_weights, time_numpy_f32

COLUMNS = [("bits", "bits"), ("shape", "m x k"), ("threads", "threads"), ("ms_median", "ms median"),
           ("ms_min", "ms min"), ("weight_gbps", "GB/s"), ("bandwidth_pct", "% of read BW"),
           ("baseline_dequant_ms", "dequant ms"), ("speedup_vs_dequant", "speedup"),
           ("numpy_f32_ms", "numpy f32 ms"), ("tables_ms", "tables ms")]

def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()

def run_meta(script: str, **extra) -> dict:
    """What every benchmark records about its run: the command, the machine and the time."""
    return {"command": f"python benchmarks/{script} " + " ".join(sys.argv[1:]), "cpu": cpu_name(),
            "cores": os.cpu_count(), **extra,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def write_report(out_dir: str, name: str, table: str, meta: dict, rows: list[dict]) -> None:
    """NAME.md (the table) and NAME.json (meta and rows) in out_dir; the table to stdout."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.md").write_text(table)
    (out / f"{name}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    print(table)


def markdown(rows: list[dict], meta: dict) -> str:
    others = [a["kernel"] for a in rows[0]["against"]] if rows else []
    columns = COLUMNS + [c for k in others for c in ((f"{k}_ms", f"{k} ms"),
                                                     (f"{k}_speedup", f"{meta['kernel']} vs {k}"))]
    lines = [f"# T-MAC kernels: GEMV, batch 1, group {meta['group_size']}, weights streamed",
             "", f"`{meta['command']}` on {meta['cpu']} ({meta['cores']} cores; {meta['cpu_features']}), "
             f"kernel `{meta['kernel']}`, {meta['date']}. GB/s counts packed weights + half scales (huge-page memory); "
             "% of read BW compares it with a read of the same bytes (plain or prefetching, the "
             "faster), timed alternately with the kernel; tables ms: one token's lookup tables plus one 64-row tile"
             + (f"; {', '.join(others)} ms: that kernel timed alternately with `{meta['kernel']}` "
                "on the same weights, and the speed ratio" if others else "") + ".", "",
             "| " + " | ".join(title for _, title in columns) + " |",
             "|" + "---|" * len(columns)]
    for row in rows:
        cells = dict(row, shape=f"{row['m']}x{row['k']}",
                     bandwidth_pct=f"{100 * row['bandwidth_fraction']:.0f}%",
                     speedup_vs_dequant=f"{row['speedup_vs_dequant']:.1f}x")
        for other in row["against"]:
            cells[f"{other['kernel']}_ms"] = other["ms_median"]
            cells[f"{other['kernel']}_speedup"] = f"{other['speedup']:.2f}x"
        lines.append("| " + " | ".join(str(cells[key]) for key, _ in columns) + " |")
    return "\n".join(lines) + "\n"

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="Directory for kernels.md and kernels.json.")
    parser.add_argument("--bits", default="1,2,3,4,ternary")
    parser.add_argument("--shapes", default="4096x4096,11008x4096")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--group-size", type=int, default=128)
    parser.add_argument("--stream-mb", type=float, default=256)
    parser.add_argument("--kernel", default="auto", help="auto, scalar, avx2, avx512 or neon.")
    parser.add_argument("--against", default="simd",
                        help="Kernels timed alternately with --kernel: a comma list, 'simd' or 'none'.")
    args = parser.parse_args()
    against = against_kernels(args.against)

    bits = [qtype_of(b) for b in args.bits.split(",")]
    shapes = [tuple(int(v) for v in s.split("x")) for s in args.shapes.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    rows = []
    for m, k in shapes:
        codes, scales, x = random_weights(2, m, k, args.group_size)
        for t in threads:
            numpy_ms = time_numpy_f32(codes, scales, x, 2, args.group_size, threads=t,
                                      stream_mb=args.stream_mb)
            for b in bits:
                row = bench_gemv(b, m, k, t, args.group_size, stream_mb=args.stream_mb,
                                 numpy_f32_ms=numpy_ms, kernel=args.kernel, against=against)
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)

    meta = run_meta("bench_kernels.py", kernel=rows[0]["kernel"], cpu_features=cpu_features(),
                    group_size=args.group_size)
    write_report(args.out, "kernels", markdown(rows, meta), meta, rows)

if __name__ == "__main__":
    main()
