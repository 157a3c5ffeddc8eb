"""`lrtk generate`: run a local HF model (decoder-only or T5/mT5/mBART, optionally with an
adapter) over prompts."""

from __future__ import annotations

from typing import Optional

import typer

from lrtk.cli._outputs import writes
from lrtk.errors import UsageError
from lrtk.io import read_jsonl, write_jsonl
from lrtk.io.progress import info
from lrtk.io.records import Record

ORDER = 85


DEVICE_HELP = "auto (a CUDA GPU if torch sees one, else cpu), cpu, cuda or cuda:N."


BEAMS_HELP = "Beam search with N beams [default: 1, greedy]."
SRC_LANG_HELP = "mBART: source language code (ur or ur_PK) [default: the tokenizer's]."


def generation_options(max_new_tokens: int, batch_size: int, sample: bool, temperature: float,
                       top_p: float, seed: int, device: str, num_beams: int = 1):
    from lrtk.generate import GenerationSettings

    return GenerationSettings(max_new_tokens, batch_size, sample, temperature, top_p, seed,
                              device, num_beams)


@writes("output")
def generate(
    input: Optional[str] = typer.Argument(
        None, help="JSONL with a 'prompt' per record (with --taco, 'instruction' also works; "
                   "for T5/mT5/mBART also 'text' or 'src'); '-' = stdin. Omit when using "
                   "--prompt."),
    model: str = typer.Option(..., "--model", "-m", help="Local HF model directory."),
    adapter: Optional[str] = typer.Option(None, "--adapter", help="Adapter directory (lrtk tune)."),
    prompt: Optional[str] = typer.Option(None, "--prompt",
                                         help="A single prompt instead of INPUT."),
    taco: bool = typer.Option(False, "--taco", help="Output only the final 'Response in "
                              "<Language>:' part; the full chain goes to 'chain'."),
    lang: Optional[str] = typer.Option(None, "--lang", "-l",
                                       help="Target language code (needed with --taco; "
                                            "the target code of an mBART model)."),
    src_lang: Optional[str] = typer.Option(None, "--src-lang", help=SRC_LANG_HELP),
    lang_name: Optional[str] = typer.Option(None, "--lang-name",
                                            help="Chain label name for codes lrtk does not know."),
    max_new_tokens: int = typer.Option(128, "--max-new-tokens"),
    batch_size: int = typer.Option(8, "--batch-size"),
    sample: bool = typer.Option(False, "--sample", help="Sample instead of greedy decoding."),
    num_beams: int = typer.Option(1, "--num-beams", help=BEAMS_HELP),
    temperature: float = typer.Option(1.0, "--temperature"),
    top_p: float = typer.Option(1.0, "--top-p"),
    seed: int = typer.Option(0, "--seed", help="Seed for --sample."),
    device: str = typer.Option("auto", "--device", help=DEVICE_HELP),
    output: str = typer.Option("-", "--output", "-o", help="Output JSONL ('-' = stdout)."),
) -> None:
    """Generate a completion per record and write the records with 'output' added.

    \b
    Examples:
      lrtk generate prompts.jsonl --model models/tiny --adapter out/taco/stage2 \\
          --taco --lang ne -o outputs.jsonl
      lrtk generate docs.ur.jsonl --model models/mt5-small-ur --adapter out/ur-sum/adapter \\
          --num-beams 4 -o summaries.jsonl
    """
    from lrtk.generate import Generator, generate_records, load_model
    from lrtk.taco import language_name

    if (input is None) == (prompt is None):
        raise UsageError("give either INPUT or --prompt")
    if taco and not lang:
        raise UsageError("--taco needs --lang", hint="the language names the chain's last part")
    settings = generation_options(max_new_tokens, batch_size, sample, temperature, top_p, seed,
                                  device, num_beams)
    language = language_name(lang, lang_name) if taco else None
    records = read_jsonl(input) if input is not None else [Record({"prompt": prompt}, "--prompt")]
    generator = Generator(load_model(model, adapter, src_lang=src_lang, tgt_lang=lang), settings)
    counts: dict[str, int] = {}
    n = write_jsonl(generate_records(records, generator, taco_language=language, counts=counts),
                    output)
    summary = f"generate: {n} records"
    if taco:
        summary += " (chains: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + ")"
    info(summary)


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)
