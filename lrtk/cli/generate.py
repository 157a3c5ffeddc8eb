"""`lrtk generate`: run a local HF model (decoder-only or T5/mT5/mBART, optionally with an
adapter) over prompts."""

from __future__ import annotations

from typing import Optional

import typer

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes
from lrtk.errors import UsageError
from lrtk.io import read_jsonl, write_jsonl
from lrtk.io.numbers import NON_NEGATIVE
from lrtk.io.progress import info
from lrtk.io.records import Record

ORDER = 85


def sampling(temperature: float) -> tuple[bool, float]:
    """(sample, temperature) of the generation settings: --temperature 0 is greedy, as in
    `lrtk run`; the settings keep their neutral 1.0 when nothing is sampled."""
    NON_NEGATIVE.check(temperature, "--temperature")
    return (True, temperature) if temperature > 0 else (False, 1.0)


@writes("output")
def generate(
    input: Optional[str] = typer.Argument(
        None, help="JSONL with a 'prompt' per record (with --taco, 'instruction' also works; "
                   "for T5/mT5/mBART also 'text' or 'src'); '-' = stdin. Omit when using "
                   "--prompt."),
    model: str = opt.model(),
    adapter: Optional[str] = typer.Option(None, "--adapter", help="Adapter directory (lrtk tune)."),
    prompt: Optional[str] = typer.Option(None, "--prompt",
                                         help="A single prompt instead of INPUT."),
    taco: bool = typer.Option(False, "--taco", help="Output only the final 'Response in "
                              "<Language>:' part; the full chain goes to 'chain'."),
    tgt_lang: Optional[str] = opt.tgt_lang(None, "Target language code (needed with --taco; "
                                                 "the target code of an mBART model)."),
    src_lang: Optional[str] = opt.src_lang(None, "mBART: source language code (ur or ur_PK) "
                                                 "[default: the tokenizer's]."),
    lang_name: Optional[str] = opt.lang_name(),
    max_new_tokens: int = opt.max_new_tokens(),
    batch_size: int = typer.Option(8, "--batch-size", help="Prompts per batch."),
    num_beams: int = opt.num_beams(),
    temperature: float = typer.Option(0.0, "--temperature", help="0 means greedy; above 0 "
                                                                 "samples."),
    top_p: float = typer.Option(1.0, "--top-p", help="Nucleus sampling mass (1: off)."),
    seed: int = opt.seed("Seed of the sampler (--temperature above 0)."),
    device: str = opt.device(),
    output: str = opt.output(help="Output JSONL ('-' = stdout)."),
) -> None:
    """Generate a completion per record and write the records with 'output' added.

    \b
    Examples:
      lrtk generate prompts.jsonl --model models/tiny --adapter out/taco/stage2 \\
          --taco --tgt-lang ne -o outputs.jsonl
      lrtk generate docs.ur.jsonl --model models/mt5-small-ur --adapter out/ur-sum/adapter \\
          --num-beams 4 -o summaries.jsonl
    """
    from lrtk.generate import GenerationSettings, Generator, generate_records, load_model
    from lrtk.taco import language_name

    if (input is None) == (prompt is None):
        raise UsageError("give either INPUT or --prompt")
    if taco and not tgt_lang:
        raise UsageError("--taco needs --tgt-lang",
                         hint="the language names the chain's last part")
    sample, temperature = sampling(temperature)
    settings = GenerationSettings(max_new_tokens, batch_size, sample, temperature, top_p, seed,
                                  device, num_beams)
    language = language_name(tgt_lang, lang_name) if taco else None
    records = read_jsonl(input) if input is not None else [Record({"prompt": prompt}, "--prompt")]
    loaded = load_model(model, adapter, src_lang=src_lang, tgt_lang=tgt_lang)
    generator = Generator(loaded, settings)
    counts: dict[str, int] = {}
    n = write_jsonl(generate_records(records, generator, taco_language=language, counts=counts),
                    output)
    summary = f"generate: {n} records"
    if taco:
        summary += " (chains: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + ")"
    info(summary)


def register(app: typer.Typer) -> None:
    # --sample sampled at the default temperature, 1.
    app.command("generate", cls=opt.deprecated({"--lang": "--tgt-lang", "-l": "--tgt-lang",
                                                "-m": "--model",
                                                "--sample": "--temperature=1"}))(generate)
