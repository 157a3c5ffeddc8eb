"""`lrtk tokenizer train|report`: sentencepiece models and per-language fertility."""

from __future__ import annotations

from typing import List, Optional

import typer

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes

ORDER = 45

TRAIN_HELP = """Train a sentencepiece model (unigram or BPE) on one or more languages.

Byte fallback is on and the character coverage is 0.9995; every letter, mark, digit and
punctuation mark of each language's script gets a piece of its own even when the training
sample lacks it (--alphabet), so byte fallback is left for foreign characters. Language tags <bn>, <en>, ... are user-defined symbols. --max-sentences caps the
training sentences, split over languages by temperature probabilities (--tau) so the
largest language does not take the whole vocabulary. Writes PREFIX.model, PREFIX.vocab and
PREFIX.json (options and sentences used per language); --per-language writes one model per
language as PREFIX.LANG.model.

Example:

\b
  lrtk tokenizer train --corpus bn=bn.txt --corpus ne=ne.txt --corpus en=en.txt \\
      --vocab-size 8000 --max-sentences 200000 --tau 5 -o models/spm
"""

REPORT_HELP = """Per-language fertility (tokens per word), unknown and byte-fallback rates.

Run it on held-out text: fertility is what a low-resource language pays per word in
context length and compute. Prints a table to stdout; --report writes the numbers, with the
characters the vocabulary lacks.

Example:

\b
  lrtk tokenizer report --tokenizer models/spm.model --corpus bn=test.bn --corpus en=test.en \\
      --report tokenizer-report.json
"""


def train_command(
    corpus: List[str] = opt.corpus(),
    output: str = opt.output(..., "Output prefix: PREFIX.model/.vocab/.json."),
    fmt: str = opt.corpus_format(),
    text_field: str = opt.text_field(),
    model_type: str = typer.Option("unigram", "--model-type", help="unigram|bpe."),
    vocab_size: int = typer.Option(8000, "--vocab-size", help="Vocabulary size."),
    character_coverage: float = typer.Option(0.9995, "--character-coverage",
                                             help="Share of characters the vocabulary must cover."),
    byte_fallback: bool = typer.Option(True, "--byte-fallback/--no-byte-fallback",
                                       help="Encode uncovered characters as UTF-8 bytes, not <unk>."),
    alphabet: str = typer.Option("auto", "--alphabet",
                                 help="auto|on|off: reserve a piece for every letter, mark, digit "
                                      "and punctuation mark of each language's script, seen in "
                                      "the text or not (auto: when that is at most a quarter of "
                                      "--vocab-size)."),
    lang_tags: bool = typer.Option(True, "--lang-tags/--no-lang-tags",
                                   help="Add <LANG> tags as user-defined symbols."),
    symbol: List[str] = typer.Option([], "--symbol", help="Extra user-defined symbol, repeated."),
    max_sentences: Optional[int] = typer.Option(None, "--max-sentences",
                                                help="Training sentences in all (default: every line)."),
    tau: float = typer.Option(5.0, "--tau", help="Temperature of the per-language split."),
    per_language: bool = typer.Option(False, "--per-language", help="One model per language."),
    normalization: str = typer.Option("nmt_nfkc", "--normalization",
                                      help="sentencepiece rule: nmt_nfkc|nfkc|nmt_nfkc_cf|identity."),
    threads: int = opt.threads(4, "Training threads (the model depends on it)."),
    seed: int = opt.seed("Seed of the sentence selection."),
) -> None:
    from lrtk.io.progress import info
    from lrtk.sampling import parse_corpus_options
    from lrtk.tokenize import TrainOptions, train_tokenizer

    options = TrainOptions(model_type=model_type, vocab_size=vocab_size,
                           character_coverage=character_coverage, byte_fallback=byte_fallback,
                           alphabet=alphabet, lang_tags=lang_tags, symbols=list(symbol), max_sentences=max_sentences,
                           tau=tau, per_language=per_language, normalization=normalization,
                           threads=threads, seed=seed)
    specs = parse_corpus_options(corpus, fmt, text_field)
    # train_tokenizer checks and stages PREFIX.model/.vocab/.json itself, before training.
    for path in train_tokenizer(specs, output, options):
        info(f"tokenizer: wrote {path}")


@writes("report")
def report_command(
    tokenizer: str = opt.tokenizer(...),
    corpus: List[str] = opt.corpus("LANG=PATH of held-out text, repeated (a language's files "
                                   "are concatenated in order)."),
    fmt: str = opt.corpus_format(),
    text_field: str = opt.text_field(),
    report: Optional[str] = opt.report("Write the statistics as JSON."),
) -> None:
    from lrtk.io import write_json
    from lrtk.sampling import parse_corpus_options
    from lrtk.tokenize import load_model, tokenizer_report
    from lrtk.tokenize.report import render_report

    processor = load_model(tokenizer)
    results = tokenizer_report(processor, parse_corpus_options(corpus, fmt, text_field))
    typer.echo(render_report(results))
    if report:
        write_json({"model": tokenizer, "languages": [r.to_dict() for r in results]}, report)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Train sentencepiece tokenizers and report per-language fertility.",
                        no_args_is_help=True)
    group.command("train", help=TRAIN_HELP,
                  cls=opt.deprecated({"--field": "--text-field"}))(train_command)
    group.command("report", help=REPORT_HELP, cls=opt.deprecated(
        {"--model": "--tokenizer", "--json": "--report", "--field": "--text-field"}))(report_command)
    app.add_typer(group, name="tokenizer")
