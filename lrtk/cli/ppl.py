"""`lrtk ppl`: perplexity of an exported model (native runtime) or of the float HF model."""

from __future__ import annotations

import json
import math
import os
from typing import Optional

import typer

from lrtk.cli import options as opt
from lrtk.errors import DataError
from lrtk.io.progress import progress
from lrtk.runtime import MMAP_HELP, THREADS_HELP, usable_threads

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
    from lrtk.runtime.generate import perplexity, windows
    from lrtk.runtime.tokenizer import Tokenizer, encode_file

    # A directory is a Hugging Face checkpoint; anything else a model file (which names it
    # if it is missing).
    if os.path.isdir(model):
        import torch

        from lrtk.io.hf_model import load_hf_model, loading

        net = load_hf_model(model, "MODEL", dtype=torch.float32).eval()
        ctx = min(ctx, net.config.max_position_embeddings)
        bos = net.config.bos_token_id
        with loading(model, "tokenizer"):
            tokenizer = Tokenizer.from_dir(model, -1 if bos is None else bos)
        ids = encode_file(tokenizer, data, max_tokens)

        def logits_of(window):
            with torch.no_grad():
                return net(torch.tensor([window])).logits[0].numpy()
    else:
        from lrtk.kernels.binding import set_kernel
        from lrtk.runtime.binding import NativeModel

        set_kernel(kernel)
        net = NativeModel(model, usable_threads(threads), ctx, mmap)
        ctx = min(ctx, net.config["max_seq_len"])  # the model's context may be shorter
        ids = encode_file(Tokenizer.from_model(net), data, max_tokens)

        def logits_of(window):
            return net.forward(window, 0, all_logits=True)
    if ctx < 2:  # every scored token needs one before it in its window
        raise DataError(f"the model's context of {ctx} token is too short to score",
                        path=model, hint="perplexity needs a context of at least 2 tokens")
    chunks = windows(ids, ctx)
    value, count = perplexity(logits_of, progress(chunks, desc="ppl", total=len(chunks),
                                                  unit="window"))
    finite = math.isfinite(value)
    print(json.dumps({"model": model, "data": data, "ppl": round(value, 4) if finite else None,
                      "tokens": count, "ctx": ctx}), flush=True)
    if not finite:
        raise DataError("the perplexity is not a finite number: the model's logits are "
                        + ("not finite" if math.isnan(value) else "too large"), path=model,
                        hint="its weights are corrupt; export it again")


def register(app: typer.Typer) -> None:
    app.command("ppl", cls=opt.deprecated({"--hf": None}))(ppl_cmd)
