"""`lrtk ppl`: perplexity of an exported model (native runtime) or of the float HF model."""

from __future__ import annotations

import json
import math
from typing import Optional

import typer

from lrtk.cli import options as opt
from lrtk.errors import DataError
from lrtk.runtime import MMAP_HELP, THREADS_HELP

ORDER = 112


def ppl_cmd(
    model: str = typer.Argument(..., help="Model file written by lrtk export, or a Hugging "
                                "Face checkpoint directory (scored in float with PyTorch)."),
    data: str = typer.Option(..., "--data", help="Text file, one sentence or paragraph a line."),
    ctx: int = opt.ctx(256, "Tokens per scored window (at most the model's context).", min=2),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", min=2,
                                             help="Score at most this many."),
    threads: int = opt.threads(1, THREADS_HELP, min=0),
    kernel: str = opt.kernel(),
    mmap: bool = typer.Option(False, "--mmap", help=MMAP_HELP),
) -> None:
    """Print perplexity as JSON on stdout; lines are tokenized alike on both paths.

    When the model's logits are not finite (corrupt weights) or the perplexity overflows, the
    JSON still prints, with "ppl": null, and lrtk exits with status 1 after one error line.

    Example:

        lrtk ppl model-q4.lrtk --data tico19-test.en && lrtk ppl out/model --data tico19-test.en
    """
    from lrtk.runtime.perplexity import file_perplexity

    scored = file_perplexity(model, data, ctx=ctx, max_tokens=max_tokens, threads=threads,
                             kernel=kernel, mmap=mmap)
    value = scored.value
    finite = math.isfinite(value)
    print(json.dumps({"model": model, "data": data, "ppl": round(value, 4) if finite else None,
                      "tokens": scored.tokens, "ctx": scored.ctx}), flush=True)
    if not finite:
        raise DataError("the perplexity is not a finite number: the model's logits are "
                        + ("not finite" if math.isnan(value) else "too large"), path=model,
                        hint="its weights are corrupt; export it again")


def register(app: typer.Typer) -> None:
    app.command("ppl", cls=opt.deprecated({"--hf": None}))(ppl_cmd)
