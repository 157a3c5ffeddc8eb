"""`lrtk run`: generate text with an exported model on the native runtime."""

from __future__ import annotations

import sys
from typing import Iterator, Optional

import typer

from lrtk.cli import options as opt
from lrtk.errors import UsageError
from lrtk.runtime import MMAP_HELP, THREADS_HELP, usable_threads

ORDER = 111


def run_cmd(
    model: str = typer.Argument(..., help="Model file written by lrtk export."),
    prompt: Optional[str] = typer.Option(None, "--prompt", "-p", help="Prompt text."),
    interactive: bool = typer.Option(False, "--interactive", "-i",
                                     help="Read prompts from stdin, one per line."),
    max_new_tokens: int = opt.max_new_tokens(),
    temperature: float = typer.Option(0.0, "--temperature", help="0 means greedy."),
    top_k: int = typer.Option(0, "--top-k", help="Sample from the k likeliest (0: all)."),
    top_p: float = typer.Option(1.0, "--top-p", help="Nucleus sampling mass (1: off)."),
    seed: int = opt.seed("Seed of the sampler (--temperature above 0)."),
    threads: int = opt.threads(1, THREADS_HELP, min=0),
    ctx: int = opt.ctx(2048, "Context length, prompt included (KV cache size; at most the "
                             "model's)."),
    kernel: str = opt.kernel(),
    mmap: bool = typer.Option(False, "--mmap", help=MMAP_HELP),
    verbose: bool = typer.Option(False, "--verbose", "-v",
                                 help="Say on stderr which kernel runs and the CPU features "
                                 "it was chosen from."),
) -> None:
    """Stream generated text to stdout.

    Example:

        lrtk run model-q4.lrtk --prompt "The virus spreads" -n 40 --temperature 0.8 --top-p 0.9
    """
    from lrtk.io import read_lines
    from lrtk.io.progress import warn
    from lrtk.kernels.binding import kernel_summary, set_kernel
    from lrtk.runtime.binding import NativeModel, Sampler, check_sampling
    from lrtk.runtime.generate import generate_ids, stream_text
    from lrtk.runtime.tokenizer import Tokenizer

    if prompt is None and not interactive:
        raise UsageError("give --prompt TEXT or --interactive")
    if prompt is not None:
        _require_utf8(prompt)
    check_sampling(temperature, top_k, top_p)  # before the model is read
    set_kernel(kernel)
    if verbose:
        typer.echo(f"lrtk: run: {kernel_summary()}", err=True)
    with NativeModel(model, usable_threads(threads), ctx, mmap) as m:
        tok = Tokenizer.from_model(m)
        sampler = Sampler(m.config["vocab_size"], temperature, top_k, top_p, seed)
        # read_lines: a line that is not UTF-8 is one error naming <stdin> and the line.
        prompts = [prompt] if prompt is not None else (line for _, line in read_lines("-"))
        for text in prompts:
            prompt_ids = tok.encode(text)
            made: list[int] = []
            ids = generate_ids(m, prompt_ids, max_new_tokens, sampler, stop=m.config["eos_id"])
            for piece in stream_text(tok, _recorded(ids, made)):
                sys.stdout.write(piece)
                sys.stdout.flush()
            sys.stdout.write("\n")
            sys.stdout.flush()
            full = m.config["max_seq_len"]
            if len(made) < max_new_tokens and len(prompt_ids) + len(made) >= full:
                warn(f"run: stopped after {len(made)} new tokens: the context of {full} tokens "
                     "is full (--ctx, up to the model's maximum)")


def _require_utf8(prompt: str) -> None:
    """Python hands bytes of the command line that are not UTF-8 over as lone surrogates,
    which no tokenizer can encode."""
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError as e:
        raise UsageError(f"--prompt is not valid UTF-8 (at character {e.start + 1})",
                         hint="give the prompt in UTF-8") from None


def _recorded(ids: Iterator[int], into: list[int]) -> Iterator[int]:
    """The ids, each also appended to `into` (to tell afterwards why generation stopped)."""
    for token in ids:
        into.append(token)
        yield token


def register(app: typer.Typer) -> None:
    app.command("run")(run_cmd)
