"""`lrtk export`: a Hugging Face Llama/Mistral/Qwen2 checkpoint to one low-bit model file."""

from __future__ import annotations

from typing import Optional

import typer

from lrtk.cli._outputs import writes
from lrtk.errors import UsageError
from lrtk.io.progress import info

ORDER = 110


@writes("output")
def export_cmd(
    model_dir: Optional[str] = typer.Argument(None, help="HF checkpoint directory (config.json, "
                                              "model.safetensors, tokenizer)."),
    output: str = typer.Option(..., "--output", "-o", help="Model file to write (.lrtk)."),
    bits: str = typer.Option("4", "--bits", help="Linear layers: 1, 2, 3, 4, ternary, or "
                             "f16 / f32 (unquantized, for verification)."),
    group_size: int = typer.Option(64, "--group-size", help="Columns per scale: 32, 64 or 128."),
    head: Optional[str] = typer.Option(None, "--head", help="Output head precision: f32, f16, "
                                       "1-4, ternary or 'same' as --bits [f16; f32 with --bits f32]."),
    embed: Optional[str] = typer.Option(None, "--embed", help="Embedding precision: f32 or f16."),
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
    max_seq_len: Optional[int] = typer.Option(None, "--max-seq-len", min=1, help="Context length "
                                              "the runtime allows [the model's]."),
    random_config: Optional[str] = typer.Option(None, "--random-config", help="Write random "
                                                "weights for a shape instead of MODEL_DIR: "
                                                "'tinyllama' or a config.json (benchmarks)."),
    seed: int = typer.Option(0, "--seed", help="Seed for --random-config."),
) -> None:
    """Quantize a checkpoint and write a self-describing, mmap-able model file.

    Example:

        lrtk export out/model -o model-q4.lrtk --bits 4 --group-size 64

        lrtk export out/model -o model-q2.lrtk --bits 2 --method gptq --calib train.en
    """
    from lrtk.export import QuantSpec, export, from_hf, random_source

    if (model_dir is None) == (random_config is None):
        raise UsageError("give either MODEL_DIR or --random-config")
    spec = QuantSpec(bits=bits, group_size=group_size, head=head, embed=embed, method=method,
                     clip_search=clip_search, symmetric=symmetric)
    hessians = None
    if calib is not None and method != "gptq":
        raise UsageError("--calib is read only by --method gptq")
    if method == "gptq":
        if calib is None or model_dir is None:
            raise UsageError("--method gptq needs MODEL_DIR and --calib TEXT_FILE")
        from lrtk.export.calibrate import hessians as collect

        info(f"calibrating on up to {calib_tokens} tokens of {calib}")
        hessians = collect(model_dir, calib, calib_tokens)
    source = from_hf(model_dir) if model_dir else random_source(random_config, seed)
    summary = export(source, output, spec, hessians, max_seq_len)
    if spec.bits in ("f32", "f16"):
        layers = spec.bits
    else:
        width = spec.bits if spec.bits == "ternary" else f"{spec.bits} bits"
        layers = f"{width} (group {spec.group_size}, {spec.method}" + \
            (", symmetric)" if spec.symmetric else ")")
    info(f"wrote {output}: {summary['bytes'] / 2**20:.1f} MiB, {summary['tensors']} tensors, "
         f"linear layers {layers}")


def register(app: typer.Typer) -> None:
    app.command("export")(export_cmd)
