"""`lrtk filter`: drop misaligned, untranslated, wrong-language and junk sentence pairs."""

from __future__ import annotations

from typing import Optional

import typer

from lrtk.cli._outputs import writes

ORDER = 30

HELP = """Filter sentence pairs (JSONL records with id, src, tgt) and write the kept ones.

Default chain (no model download): duplicate, length, length_ratio, markup, repetition,
script_ratio, non_native, copy, langid (py3langid), numerals, then batch margin filtering
with a lexical (IBM Model 1) similarity trained on the pairs themselves.

Examples:

\b
  lrtk filter --src-lang bn --tgt-lang en pairs.jsonl -o kept.jsonl \\
      --rejects rejects.jsonl --report filter.json
  lrtk align ... | lrtk filter --src-lang bn --tgt-lang en --config filters.yaml > kept.jsonl

A config lists filters in order, with options (unknown names/options are errors):

\b
  filters:
    - duplicate
    - length: {min_words: 1, max_words: 150}
    - langid: {min_prob: 0.2}
    - margin: {embedder: /models/LaBSE, batch_size: 1000, k: 4, threshold: 0.95}
"""


@writes("output", "rejects", "report")
def filter_command(
    input: str = typer.Argument("-", help="Sentence-pair JSONL file, or '-' for stdin."),
    output: str = typer.Option("-", "-o", "--output", help="Kept pairs (JSONL); '-' = stdout."),
    src_lang: Optional[str] = typer.Option(None, "--src-lang",
                                           help="Source language (default: records' src_lang)."),
    tgt_lang: Optional[str] = typer.Option(None, "--tgt-lang",
                                           help="Target language (default: records' tgt_lang)."),
    config: Optional[str] = typer.Option(None, "--config", help="YAML filter chain."),
    rejects: Optional[str] = typer.Option(None, "--rejects",
                                          help="Write rejected pairs with filter and scores."),
    report: Optional[str] = typer.Option(None, "--report", help="Write statistics as JSON."),
    seed: int = typer.Option(0, "--seed", help="Seed of the margin batches' shuffle."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Skip malformed records, counted."),
) -> None:
    from lrtk.filter.run import FilterRun

    run = FilterRun.from_options(input, src_lang, tgt_lang, config, seed, skip_bad)
    run.execute()
    run.write(output, rejects, report)


def register(app: typer.Typer) -> None:
    app.command("filter", help=HELP, no_args_is_help=False)(filter_command)
