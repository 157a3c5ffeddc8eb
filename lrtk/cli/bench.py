"""`lrtk bench`: speed measurements, each against a baseline run in the same invocation.

Subcommands: `kernels` (one T-MAC GEMV), `model` (an exported model; `lrtk bench MODEL` is
short for `lrtk bench model MODEL`). Add further benchmarks as subcommands of `bench_app`.
"""

from __future__ import annotations

import json
import os

import typer
from typer.core import TyperGroup

from lrtk.cli import options as opt
from lrtk.errors import UsageError
from lrtk.runtime import MMAP_HELP, usable_threads

ORDER = 120

class _BenchGroup(TyperGroup):
    """Treats `lrtk bench FILE ...` as `lrtk bench model FILE ...` (the form the docs show). A
    word that is neither a subcommand nor a file is a model file not found, not click's "No
    such command", since that is what the user most likely meant."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            if not os.path.isfile(args[0]):
                raise UsageError("model file not found", path=args[0],
                                 hint="lrtk bench takes a model file, model MODEL_FILE or kernels")
            args = ["model", *args]
        return super().resolve_command(ctx, args)


bench_app = typer.Typer(
    name="bench", help="Benchmark the native kernels and models (lrtk bench MODEL_FILE is "
    "short for lrtk bench model MODEL_FILE).", no_args_is_help=True,
    add_completion=False, rich_markup_mode=None, cls=_BenchGroup,
)


@bench_app.command("kernels")
def kernels_cmd(
    bits: str = typer.Option("2", "--bits", "-b", help="1, 2, 3, 4 or ternary."),
    m: int = typer.Option(4096, "--m", help="Output rows."),
    k: int = typer.Option(4096, "--k", help="Input columns (a multiple of the group size)."),
    threads: int = opt.threads(1, "Threads of the kernel pool (more than the cores: the "
                                  "cores)."),
    group_size: int = typer.Option(128, "--group-size", "-g", help="32, 64 or 128."),
    stream_mb: float = typer.Option(256, "--stream-mb",
                                    help="Rotate over weight copies of at least this many MB."),
    kernel: str = opt.kernel(),
    against: str = typer.Option("simd", "--against",
                                help="Kernels timed alternately with --kernel, for their speed "
                                "ratio: a comma list, 'simd' (every other SIMD kernel this CPU "
                                "runs) or 'none'."),
    as_json: bool = opt.json_switch("Print one JSON object on stdout."),
) -> None:
    """Time one GEMV (batch 1) with streamed weights against the other SIMD kernels, the
    dequantize-then-dot C baseline, numpy float32 and the measured read bandwidth.

    Example:

        lrtk bench kernels --bits 2 --m 4096 --k 4096 --threads 1 --json
    """
    from lrtk.io.progress import info
    from lrtk.kernels.bench import against_kernels, bench_gemv, speed_lines
    from lrtk.kernels.binding import require_kernel

    if m < 1 or k < 1 or threads < 1:
        raise UsageError("--m, --k and --threads must be positive")
    threads = usable_threads(threads)
    others = against_kernels(against)
    require_kernel(kernel)  # before the status line: a bad name is the only output
    info(f"bench kernels: {bits}-bit {m}x{k}, {threads} thread(s), weights streamed over "
         f">= {stream_mb:g} MB")
    row = bench_gemv(bits, m, k, threads, group_size, stream_mb=stream_mb, kernel=kernel,
                     against=others)
    typer.echo(json.dumps(row) if as_json else "\n".join(speed_lines(row)))


@bench_app.command("model")
def model_cmd(
    model: str = typer.Argument(..., help="Model file written by lrtk export."),
    threads: str = opt.threads("1,2", "Comma list of thread counts, one run each (more than "
                                      "the cores: the cores)."),
    prompt_tokens: int = typer.Option(64, "--prompt-tokens", min=1,
                                      help="Prefill length (batched)."),
    decode_tokens: int = typer.Option(32, "--decode-tokens", min=1,
                                      help="Greedy decoding steps."),
    repeats: int = typer.Option(2, "--repeats", min=1, help="Best of this many runs."),
    as_json: bool = opt.json_switch("Print one JSON object per line on stdout."),
    mmap: bool = typer.Option(False, "--mmap", help=MMAP_HELP),
) -> None:
    """Prefill and decode tokens/s, weight bytes read per token and peak RSS of a model.

    Decoding reads every weight once per token, so memory bandwidth bounds it: after each run
    a read of as many bytes (same threads, over a span as large as one token reads; plain and
    prefetching, the faster counts) is timed and decode GB/s is shown as a share of it.

    Example:

        lrtk bench model-q2.lrtk --threads 1,2
    """
    from lrtk.kernels.binding import cpu_features, get_kernel, prefetch_bytes, prefill_summary
    from lrtk.runtime.bench import bench_model

    try:
        counts = [int(t) for t in threads.split(",")]
    except ValueError:
        counts = []
    if not counts or min(counts) < 1:
        raise UsageError(f"--threads must be a comma list of positive numbers, not {threads!r}")
    # Counts capped to the same number of cores are benchmarked once.
    for n in dict.fromkeys(usable_threads(n) for n in counts):
        row = bench_model(model, n, prompt_tokens, decode_tokens, repeats, mmap=mmap)
        row.update(kernel=get_kernel(), prefetch_bytes=prefetch_bytes(), prefill=prefill_summary(),
                   cpu_features=cpu_features())
        if as_json:
            typer.echo(json.dumps(row))
            continue
        typer.echo(f"{model} x{n} [{row['kernel']}, prefill {row['prefill']}]: prefill {row['prefill_tok_s']:.1f} tok/s, decode "
                   f"{row['decode_tok_s']:.1f} tok/s ({row['weight_bytes_per_token'] / 1e6:.1f} MB "
                   f"of weights per token, {row['decode_weight_gb_s']:.2f} GB/s = "
                   f"{100 * row['bandwidth_fraction']:.0f}% of a read's "
                   f"{row['read_bandwidth_gbps']:.2f} GB/s), peak RSS {row['peak_rss_mib']:.0f} MiB; "
                   f"cpu: {row['cpu_features']}")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
