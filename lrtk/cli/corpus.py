"""`lrtk corpus build`: turn filtered sentence pairs into a released, documented corpus."""

from __future__ import annotations

import shlex
import sys
from typing import List, Optional

import typer

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes

ORDER = 40

corpus_app = typer.Typer(help="Build corpora with data cards.", no_args_is_help=True)

BUILD_HELP = """Build a corpus from the sources in a YAML config.

Steps: normalisation (lrtk.text.normalize), exact and near-duplicate removal (case,
punctuation, digits folded), decontamination against --exclude sets, hash-based splits.
Writes OUTDIR/{split}.{lang}, OUTDIR/{split}.jsonl, OUTDIR/mono.{lang}, a Hugging Face
dataset in OUTDIR/hf (datasets.load_from_disk), and a data card (--card). Rebuilding with
the same inputs and config gives byte-identical outputs and card.

Examples:

\b
  lrtk corpus build --config corpus.yaml -o out/tico19-bn-en --exclude flores.dev.bn
  lrtk filter --src-lang bn --tgt-lang en pairs.jsonl | \\
      lrtk corpus build --config corpus.yaml -o out/bn-en   # a source with path: "-"

\b
Config (paths relative to the config file):
  name: tico19-bn-en
  src_lang: bn
  tgt_lang: en
  sources:
    - {name: tico19, licence: CC0-1.0, path: "-", filter_report: filter.json}
    - {name: tatoeba, licence: CC-BY-2.0-FR, src_path: t.ben, tgt_path: t.eng}
  splits: {test: 500, dev: 500, train: rest}

Scale: memory does not grow with the corpus (entries are partitioned on disk by their
near-duplicate key and deduplicated bucket by bucket). The input lines are normalised and
keyed in shards on every core (--workers); --num-shards/--shard-index/--work-dir run the
shards as cluster tasks (each reads its own lines of every source), --merge joins them, and
--executor ray runs them on a Ray cluster. The outputs, card and report are the same bytes
for any worker count, shard count or executor; a rerun with the same --work-dir resumes
after a crash. The card's `command` leaves these options out for that reason
(docs/scale.md). A shard or merge command takes the same --config and --exclude:

\b
  lrtk corpus build -c corpus.yaml -o out/bn-en --num-shards 16 --shard-index $I \\
      --work-dir /shared/cb       # shard I of 16, e.g. a Slurm array task
  lrtk corpus build -c corpus.yaml -o out/bn-en --merge --work-dir /shared/cb
"""


@corpus_app.command("build", help=BUILD_HELP)
@writes("report", folder="output", command="corpus build", inputs=("config", "exclude"))
@opt.sharded
def build_command(
    config: str = typer.Option(..., "--config", "-c", help="YAML corpus config."),
    output: str = opt.output(..., help="Output directory (replaced only if `lrtk corpus "
                                       "build` made it)."),
    overwrite: bool = opt.overwrite(),
    exclude: List[str] = typer.Option([], "--exclude",
                                      help="Evaluation set to remove (text or JSONL); repeatable."),
    card: Optional[str] = typer.Option(None, "--card",
                                       help="Data card path [default: data_cards/<name>.md]."),
    report: Optional[str] = opt.report(),
    shards=None,  # the shard options, as one ShardOptions (opt.sharded)
) -> None:
    from lrtk.corpus import build_corpus, load_config
    from lrtk.io import write_json
    from lrtk.io.output_checks import check_output_dir, check_output_file
    from lrtk.io.progress import info

    cfg = load_config(config)
    card_path = card or f"data_cards/{cfg.name}.md"
    check_output_file(card_path, make_parents=True)
    # The sources the config names are inputs too: the output must not hold them.
    check_output_dir(output, "corpus build", overwrite=overwrite,
                     inputs=[cfg.resolve(p) for s in (*cfg.sources, *cfg.monolingual)
                             for p in s.inputs()])
    front = build_corpus(cfg, output, exclude, card_path, recorded_command(sys.argv[1:]), shards)
    if front is None:
        return  # one shard of a cluster job: its own line was printed
    if report:
        write_json(front, report)
    counts = front["counts"]
    steps = ", ".join(f"{k} {counts[k]}" for k in
                      ("read", "normalised", "exact_dedup", "near_dedup", "decontaminated"))
    splits = ", ".join(f"{k} {v}" for k, v in counts["splits"].items())
    info(f"corpus {cfg.name}: {steps}; splits: {splits}; card: {card_path}")


# How a build runs, not what it builds: the card records the command without them, so that
# every way of running one build writes the same card.
_RUN_OPTIONS = {"--workers": 1, "--num-shards": 1, "--shard-index": 1, "--work-dir": 1,
                "--merge": 0, "--executor": 1, "--ray-address": 1}


def recorded_command(argv: List[str]) -> str:
    kept, skip = [], 0
    for arg in argv:
        if skip:
            skip -= 1
        elif arg.split("=", 1)[0] in _RUN_OPTIONS:
            skip = _RUN_OPTIONS[arg] if "=" not in arg else 0
        else:
            kept.append(arg)
    return "lrtk " + shlex.join(kept)


KG2TEXT_HELP = """Render knowledge-graph triples (ConceptNet-style) as sentences.

Reads TSV (CSV when the first row has no tab) rows of relation, head, tail and language: with a header naming
those columns, ConceptNet's 5-column assertion dump, or headerless relation, head, tail[,
lang]. URIs are cleaned (/r/IsA -> IsA, /c/bn/বই/n -> বই, language bn). Each row is written
with its relation's template in its language (lrtk/corpus/kg_templates/LANG.yaml: en, bn,
ne, si, ur; --templates FILE adds or overrides, as LANG: {Relation: "{head} ... {tail}"}),
duplicates dropped, as {"id","lang","text"} records that `lrtk tokenizer train`, `lrtk train`
and `lrtk tune` read. Rows of other languages or without a template are counted (--report).

Example:

\b
  lrtk corpus kg2text conceptnet-assertions.csv.gz --keep-lang bn --keep-lang ur -o kg.jsonl \\
      --report kg-report.json
"""


@corpus_app.command("kg2text", help=KG2TEXT_HELP,
                    cls=opt.deprecated({"--lang": "--keep-lang"}))
def kg2text_command(
    triples: List[str] = typer.Argument(..., metavar="TRIPLES", help="Triple files (TSV, or CSV when the "
                                        "first row has no tab; .gz read too)."),
    output: str = opt.output(help="Output JSONL ('-' = stdout)."),
    lang: List[str] = typer.Option([], "--keep-lang", help="Language to keep, repeated [every "
                                   "language with templates]."),
    templates: Optional[str] = typer.Option(None, "--templates", help="YAML of extra or "
                                            "overriding templates: LANG: {Relation: template}."),
    report: Optional[str] = opt.report(help="Write counts as JSON."),
) -> None:
    from lrtk.corpus.kg2text import KgStats, load_templates, read_triples, render
    from lrtk.errors import UsageError
    from lrtk.io import write_json, write_jsonl
    from lrtk.io.progress import info

    table = load_templates(templates)
    langs = list(dict.fromkeys(lang)) or sorted(table)
    missing = [code for code in langs if code not in table]
    if missing:
        raise UsageError(f"no templates for language {', '.join(missing)}",
                         hint="add them with --templates FILE (LANG: {Relation: template})")
    stats = KgStats()
    rows = (row for path in triples for row in read_triples(path))
    write_jsonl(render(rows, table, langs, stats), output)
    summary = stats.to_dict()
    if report:
        write_json(summary, report)
    skipped = summary["skipped"]
    info(f"kg2text: {stats.rows} rows, {stats.written} sentences, {stats.duplicates} duplicates, "
         f"{sum(skipped['no_template'].values())} without a template, "
         f"{sum(skipped['other_language'].values())} in other languages")


def register(app: typer.Typer) -> None:
    app.add_typer(corpus_app, name="corpus")
