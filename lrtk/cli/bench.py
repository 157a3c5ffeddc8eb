"""`lrtk bench`: speed measurements, each against a baseline run in the same invocation.

Subcommands: `kernels` (one T-MAC GEMV). Add further benchmarks as subcommands of `bench_app`.
"""

from __future__ import annotations

import json

import typer

from lrtk.errors import UsageError

ORDER = 120

bench_app = typer.Typer(
    name="bench", help="Benchmark the native kernels and models.", no_args_is_help=True,
    add_completion=False, rich_markup_mode=None,
)


@bench_app.command("kernels")
def kernels_cmd(
    bits: str = typer.Option("2", "--bits", "-b", help="1, 2, 3, 4 or ternary."),
    m: int = typer.Option(4096, "--m", help="Output rows."),
    k: int = typer.Option(4096, "--k", help="Input columns (a multiple of the group size)."),
    threads: int = typer.Option(1, "--threads", "-t", help="Threads of the kernel pool."),
    group_size: int = typer.Option(128, "--group-size", "-g", help="32, 64 or 128."),
    stream_mb: float = typer.Option(256, "--stream-mb",
                                    help="Rotate over weight copies of at least this many MB."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Time one GEMV (batch 1) with streamed weights against the dequantize-then-dot C
    baseline, numpy float32 and the measured read bandwidth.

    Example:

        lrtk bench kernels --bits 2 --m 4096 --k 4096 --threads 1 --json
    """
    from lrtk.io.progress import info
    from lrtk.kernels.bench import bench_gemv

    if m < 1 or k < 1 or threads < 1:
        raise UsageError("--m, --k and --threads must be positive")
    info(f"bench kernels: {bits}-bit {m}x{k}, {threads} thread(s), weights streamed over "
         f">= {stream_mb:g} MB")
    row = bench_gemv(bits, m, k, threads, group_size, stream_mb=stream_mb)
    if as_json:
        typer.echo(json.dumps(row))
        return
    typer.echo(f"{row['bits']}-bit {m}x{k} g{group_size} x{threads} [{row['kernel']}]: "
               f"{row['ms_median']:.3f} ms median ({row['ms_min']:.3f} min), "
               f"{row['weight_gbps']:.1f} GB/s = {100 * row['bandwidth_fraction']:.0f}% of "
               f"{row['read_bandwidth_gbps']:.1f} GB/s read; dequant baseline "
               f"{row['baseline_dequant_ms']:.3f} ms ({row['speedup_vs_dequant']:.1f}x), "
               f"numpy f32 {row['numpy_f32_ms']:.3f} ms")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
