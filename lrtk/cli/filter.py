"""`lrtk filter`: drop misaligned, untranslated, wrong-language and junk sentence pairs."""

from __future__ import annotations

from typing import Optional

import typer
from typer.core import TyperCommand

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes

ORDER = 30

HELP = """Filter sentence pairs (JSONL records with id, src, tgt) and write the kept ones.

Default chain (no model download): DEFAULT_CHAIN; the margin filter scores with a lexical
(IBM Model 1) similarity trained on the pairs themselves.

Examples:

\b
  lrtk filter --src-lang bn --tgt-lang en pairs.jsonl -o kept.jsonl \\
      --rejects rejects.jsonl --report filter.json
  lrtk align ... | lrtk filter --src-lang bn --tgt-lang en --config filters.yaml > kept.jsonl

Large corpora (docs/scale.md): the filters that learn from the corpus are fitted once on a
seeded sample (--fit-sample; save it with --model-out, reuse it with --model), then the input
is judged in blocks of 1000 consecutive pairs on every core (--workers), in memory that does
not grow with the input. The output is the same bytes for any --workers, --num-shards or
--executor. On a cluster:

\b
  lrtk filter pairs.jsonl --fit-only --model-out model.json
  lrtk filter pairs.jsonl --model model.json --work-dir W --num-shards 8 --shard-index I
  lrtk filter --merge --work-dir W --num-shards 8 -o kept.jsonl --report filter.json

A config lists filters in order, with options (unknown names/options are errors). Filters:
FILTERS; or a user's own as module:Class (a Filter subclass on the Python path), or the
name of an entry point of group lrtk.filters (docs/architecture.md).

\b
  filters:
    - duplicate
    - length: {min_words: 1, max_words: 150}
    - langid: {min_prob: 0.2}
    - margin: {embedder: /models/LaBSE, batch_size: 1000, k: 4, threshold: 0.95}
    - my_filters:NoDigitsFilter
"""


class _FilterCommand(TyperCommand):
    """Names the default chain and the known filters in --help from the registry, when help
    is shown: importing every filter is too slow for each start of lrtk."""

    def format_help(self, ctx, formatter):
        from lrtk.filter.config import DEFAULT_CHAIN, FILTERS

        self.help = (HELP.replace("DEFAULT_CHAIN", ", ".join(n for n, _ in DEFAULT_CHAIN))
                     .replace("FILTERS;", ", ".join(FILTERS.names()) + ";"))
        return super().format_help(ctx, formatter)


@writes("output", "rejects", "report")
@opt.sharded
def filter_command(
    input: str = typer.Argument("-", help="Sentence-pair JSONL file, or '-' for stdin."),
    output: str = opt.output(help="Kept pairs (JSONL); '-' = stdout."),
    src_lang: Optional[str] = opt.src_lang(None, "Source language code (default: records' "
                                                 "src_lang)."),
    tgt_lang: Optional[str] = opt.tgt_lang(None, "Target language code (default: records' "
                                                 "tgt_lang)."),
    config: Optional[str] = typer.Option(None, "--config", help="YAML filter chain."),
    rejects: Optional[str] = typer.Option(None, "--rejects",
                                          help="Write rejected pairs with filter and scores."),
    report: Optional[str] = opt.report(),
    seed: int = opt.seed("Seed of the fit sample."),
    skip_bad: bool = opt.skip_bad(),
    fit_sample: int = typer.Option(10000, "--fit-sample", min=1,
                                   help="Pairs the corpus-learned filters are fitted on."),
    model: Optional[str] = opt.model(None, "Use this fitted filter model (from --model-out)."),
    model_out: Optional[str] = typer.Option(None, "--model-out",
                                            help="Write the fitted model (JSON)."),
    fit_only: bool = typer.Option(False, "--fit-only", help="Only fit and write --model-out."),
    shards=None,
) -> None:
    from lrtk.filter.run import FilterOptions, run_filter

    run_filter(FilterOptions(
        input=input, output=output, src_lang=src_lang, tgt_lang=tgt_lang, config=config,
        rejects=rejects, report=report, seed=seed, skip_bad=skip_bad, fit_sample=fit_sample,
        model=model, model_out=model_out, fit_only=fit_only, shards=shards))


def register(app: typer.Typer) -> None:
    app.command("filter", help=HELP, no_args_is_help=False, cls=_FilterCommand)(filter_command)
