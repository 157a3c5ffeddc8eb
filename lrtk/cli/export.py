"""`lrtk export`: a Hugging Face Llama/Mistral/Qwen2 checkpoint to one low-bit model file, for
lrtk's runtime (.lrtk) or for llama.cpp (--format gguf, also LoRA adapters with --lora)."""

from __future__ import annotations

from typing import Optional

import typer

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes
from lrtk.errors import UsageError
from lrtk.io.progress import info

ORDER = 110


@writes("output")
def export_cmd(
    model_dir: Optional[str] = typer.Argument(None, help="HF checkpoint directory (config.json, "
                                              "model.safetensors, tokenizer); with --lora the "
                                              "adapter directory of `lrtk tune`."),
    output: str = opt.output(..., "File to write (.lrtk or .gguf)."),
    fmt: str = typer.Option("lrtk", "--format", help="lrtk (this runtime) or gguf (llama.cpp)."),
    bits: str = typer.Option("4", "--bits", help="Linear layers: 1, 2, 3, 4, ternary, or "
                             "f16 / f32 (unquantized, for verification). --format gguf: "
                             "f32, f16, 8 (Q8_0), 4 (Q4_0), 2 (Q2_K), ternary (TQ2_0), "
                             "tq1_0 (ternary, 1.69 bits/weight)."),
    group_size: Optional[int] = typer.Option(None, "--group-size", help="Columns per scale: "
                                             "32, 64 or 128 [64; lrtk format only]."),
    head: Optional[str] = typer.Option(None, "--head", help="Output head precision: f32, f16, "
                                       "1-4, ternary or 'same' as --bits [f16; f32 with --bits "
                                       "f32]; gguf: any --bits value (a tied head is the "
                                       "embedding)."),
    embed: Optional[str] = typer.Option(None, "--embed", help="Embedding precision: f32 or f16 "
                                        "(gguf: any --bits value)."),
    method: str = typer.Option("rtn", "--method", help="rtn (round to nearest) or gptq "
                               "(needs --calib)."),
    clip_search: bool = typer.Option(True, "--clip-search/--no-clip-search", help="rtn: search "
                                     "each group's clipping range (slower, lower error)."),
    symmetric: bool = typer.Option(False, "--symmetric", help="No zero points: 0.125 fewer bits "
                                   "per weight at group 128, a little more error."),
    calib: Optional[str] = typer.Option(None, "--calib", help="Text file (one sentence a line) "
                                        "from the corpus for --method gptq."),
    calib_tokens: int = typer.Option(4096, "--calib-tokens", min=1,
                                     help="Calibration tokens to read."),
    ctx: Optional[int] = opt.ctx(None, "Context length the runtime allows [the model's]."),
    random_config: Optional[str] = typer.Option(None, "--random-config", help="Write random "
                                                "weights for a shape instead of MODEL_DIR: "
                                                "'tinyllama' or a config.json (benchmarks)."),
    seed: int = opt.seed("Seed for --random-config."),
    lora: bool = typer.Option(False, "--lora", help="--format gguf: MODEL_DIR is a LoRA adapter "
                              "(lrtk tune --method lora OUT/adapter); needs --base."),
    base: Optional[str] = typer.Option(None, "--base", help="With --lora: the base model's HF "
                                       "directory the adapter was trained on."),
) -> None:
    """Quantize a checkpoint and write a self-describing, mmap-able model file.

    Example:

        lrtk export out/model -o model-q4.lrtk --bits 4 --group-size 64

        lrtk export out/model -o model-q2.lrtk --bits 2 --method gptq --calib train.en

        lrtk export out/model -o model-q4_0.gguf --format gguf --bits 4

        lrtk export out/tune/adapter -o lora.gguf --format gguf --lora --base out/model
    """
    from lrtk.export import QuantSpec, export, from_hf, random_source

    if (model_dir is None) == (random_config is None):
        raise UsageError("give either MODEL_DIR or --random-config")
    if fmt not in ("lrtk", "gguf"):
        raise UsageError(f"--format must be lrtk or gguf, not {fmt}")
    if (lora or base is not None) and (fmt != "gguf" or not lora or base is None
                                       or model_dir is None):
        raise UsageError("--lora and --base go together, with --format gguf and an adapter "
                         "directory")
    if fmt == "gguf":
        lrtk_only = {"--group-size": group_size is not None, "--method": method != "rtn",
                     "--symmetric": symmetric, "--calib": calib is not None,
                     "--no-clip-search": not clip_search}
        given = [name for name, used in lrtk_only.items() if used]
        if given:
            verb = "applies" if len(given) == 1 else "apply"
            raise UsageError(f"{', '.join(given)} {verb} to --format lrtk only (GGUF types fix "
                             "their own blocks and scales)")
        _export_gguf(model_dir, output, bits, head, embed, ctx, random_config, seed,
                     base if lora else None)
        return
    group_size = 64 if group_size is None else group_size
    spec = QuantSpec(bits=bits, group_size=group_size, head=head, embed=embed, method=method,
                     clip_search=clip_search, symmetric=symmetric)
    hessians = None
    if calib is not None and method != "gptq":
        raise UsageError("--calib is read only by --method gptq")
    if method == "gptq" and (calib is None or model_dir is None):
        raise UsageError("--method gptq needs MODEL_DIR and --calib TEXT_FILE")
    # Before calibrating: from_hf refuses a checkpoint without a usable tokenizer.
    source = from_hf(model_dir) if model_dir else random_source(random_config, seed)
    if method == "gptq":
        from lrtk.export.calibrate import hessians as collect

        info(f"calibrating on up to {calib_tokens} tokens of {calib}")
        hessians = collect(model_dir, calib, calib_tokens)
    summary = export(source, output, spec, hessians, ctx)
    if spec.bits in ("f32", "f16"):
        layers = spec.bits
    else:
        width = spec.bits if spec.bits == "ternary" else f"{spec.bits} bits"
        layers = f"{width} (group {spec.group_size}, {spec.method}" + \
            (", symmetric)" if spec.symmetric else ")")
    info(f"wrote {output}: {summary['bytes'] / 2**20:.1f} MiB, {summary['tensors']} tensors, "
         f"linear layers {layers}")


def _export_gguf(model_dir, output, bits, head, embed, ctx, random_config, seed,
                 lora_base) -> None:
    from lrtk.export import from_hf, random_source
    from lrtk.export.gguf_model import GGUFSpec, export_gguf

    if lora_base is not None:
        from lrtk.export.gguf_lora import export_lora

        if (bits, head, embed, ctx) != ("4", None, None, None):
            raise UsageError("--bits, --head, --embed and --ctx describe a model, "
                             "not a LoRA adapter (its matrices are written in f32)")
        summary = export_lora(model_dir, lora_base, output)
        info(f"wrote {output}: {summary['bytes'] / 2**20:.2f} MiB, GGUF LoRA adapter, "
             f"{summary['tensors']} tensors")
        return
    spec = GGUFSpec(bits=bits, head=head, embed=embed)  # bad types fail before reading weights
    source = from_hf(model_dir) if model_dir else random_source(random_config, seed)
    if source.tied and head is not None:
        raise UsageError("--head: this model's output head is its embedding (tied), which "
                         "GGUF stores once", hint="set both with --embed")
    summary = export_gguf(source, output, spec, ctx)
    info(f"wrote {output}: {summary['bytes'] / 2**20:.1f} MiB, GGUF, {summary['tensors']} "
         f"tensors, linear layers {spec.bits}, embeddings {spec.embed}")


def register(app: typer.Typer) -> None:
    app.command("export", cls=opt.deprecated({"--max-seq-len": "--ctx"}))(export_cmd)
