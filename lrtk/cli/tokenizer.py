"""`lrtk tokenizer train|report`: sentencepiece models and per-language fertility."""

from __future__ import annotations

from typing import List, Optional

import typer

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
context length and compute. Prints a table to stdout; --json writes the numbers, with the
characters the vocabulary lacks.

Example:

\b
  lrtk tokenizer report --model models/spm.model --corpus bn=test.bn --corpus en=test.en \\
      --json tokenizer-report.json
"""


def train_command(
    corpus: List[str] = typer.Option(..., "--corpus", help="LANG=PATH, repeated; one sentence a "
                                     "line (.gz read too). A language given again gets its "
                                     "files concatenated in order."),
    output: str = typer.Option(..., "-o", "--output", help="Output prefix: PREFIX.model/.vocab/.json."),
    fmt: str = typer.Option("auto", "--format", help="auto|text|jsonl (auto: jsonl for *.jsonl)."),
    field: str = typer.Option("text", "--field", help="Text field of JSONL corpora."),
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
    threads: int = typer.Option(4, "--threads", help="Training threads (the model depends on it)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sentence selection."),
) -> None:
    from lrtk.io.progress import info
    from lrtk.sampling import parse_corpus_options
    from lrtk.tokenize import TrainOptions, train_tokenizer

    options = TrainOptions(model_type=model_type, vocab_size=vocab_size,
                           character_coverage=character_coverage, byte_fallback=byte_fallback,
                           alphabet=alphabet, lang_tags=lang_tags, symbols=list(symbol), max_sentences=max_sentences,
                           tau=tau, per_language=per_language, normalization=normalization,
                           threads=threads, seed=seed)
    specs = parse_corpus_options(corpus, fmt, field)
    # train_tokenizer checks and stages PREFIX.model/.vocab/.json itself, before training.
    for path in train_tokenizer(specs, output, options):
        info(f"tokenizer: wrote {path}")


@writes("json_out")
def report_command(
    model: str = typer.Option(..., "--model", help="sentencepiece .model file."),
    corpus: List[str] = typer.Option(..., "--corpus", help="LANG=PATH of held-out text, repeated "
                                     "(a language's files are concatenated in order)."),
    fmt: str = typer.Option("auto", "--format", help="auto|text|jsonl (auto: jsonl for *.jsonl)."),
    field: str = typer.Option("text", "--field", help="Text field of JSONL corpora."),
    json_out: Optional[str] = typer.Option(None, "--json", help="Write the statistics as JSON."),
) -> None:
    from lrtk.io import write_json
    from lrtk.sampling import parse_corpus_options
    from lrtk.tokenize import load_model, tokenizer_report
    from lrtk.tokenize.report import render_report

    processor = load_model(model)
    results = tokenizer_report(processor, parse_corpus_options(corpus, fmt, field))
    typer.echo(render_report(results))
    if json_out:
        write_json({"model": model, "languages": [r.to_dict() for r in results]}, json_out)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Train sentencepiece tokenizers and report per-language fertility.",
                        no_args_is_help=True)
    group.command("train", help=TRAIN_HELP)(train_command)
    group.command("report", help=REPORT_HELP)(report_command)
    app.add_typer(group, name="tokenizer")
