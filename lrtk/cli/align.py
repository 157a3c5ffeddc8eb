"""`lrtk align`: ensemble sentence alignment; `lrtk align score`: gold-standard scoring."""

from __future__ import annotations

from typing import List, Optional

import typer
from typer.core import TyperGroup

from lrtk.cli._outputs import writes
from lrtk.cli import options as opt

ORDER = 20

HELP = """Align the sentences of document pairs with an ensemble of aligners voting on beads.

Input, one of:

\b
  INPUT (default '-': stdin)  document pairs {"id","src":{segmented doc},"tgt":{...}}
  --src-docs F --tgt-docs F   segmented documents {"id","lang","sentences"} joined by id
  --src F --tgt F             one sentence per line, one document

Aligners (--aligners, in order of trust; default lexical,embedding,length, with
translation first when --translations or --translate-cmd is given):

\b
  length       Gale-Church on character lengths
  lexical      dictionary matches + length (hunalign); dictionary from --dictionary,
               --seed-pairs, or bootstrapped from the documents themselves
  embedding    cosine DP over sentence blocks (vecalign); --embedder offline or a
               local sentence-transformers folder (e.g. LaBSE)
  translation  BLEU of a translation against the target (Bleualign)

Beads proposed by fewer than --min-votes aligners are dropped (--combine union = 1,
majority = more than half, the default, intersection = all); a deletion bead (1-0 or
0-1) needs one vote more, capped at all aligners. The rest form the alignment with the
most votes. Output: sentence pairs (JSONL, meta says which aligners
voted and their costs) or --output-format beads, one '[0,1]:[0]' bead per line with a
blank line between documents. Score with: lrtk align score --gold G --pred P.

Examples:

\b
  lrtk align --src-lang de --tgt-lang fr --src dev.de --tgt dev.fr --output-format beads
  lrtk align --src-lang bn --tgt-lang en --src-docs bn.seg.jsonl --tgt-docs en.seg.jsonl \\
      -o pairs.jsonl --report align.json
  lrtk segment ... | lrtk align --src-lang bn --tgt-lang en --embedder /models/LaBSE -
  lrtk align --src-lang bn --tgt-lang en --src bn.txt --tgt en.txt \\
      --translate-cmd "python translate.py" --combine union

Large inputs (docs/scale.md): document pairs are aligned one at a time, in shards of
consecutive input lines on every core (--workers), with the same output for any --workers,
--num-shards or --executor. The dictionary the lexical aligner bootstraps from the
documents is learned once, from a seeded sample of documents holding about --fit-sample
source sentences (all of them when the input is smaller); save it with --model-out, reuse
it with --model. On a cluster (Slurm: pipelines/slurm/lrtk-sharded.sh):

\b
  lrtk align pairs.jsonl --src-lang bn --tgt-lang en --fit-only --model-out model.json
  lrtk align pairs.jsonl --src-lang bn --tgt-lang en --model model.json \\
      --work-dir W --num-shards 8 --shard-index I
  lrtk align --src-lang bn --tgt-lang en --merge --work-dir W -o pairs.out.jsonl
  lrtk align pairs.jsonl --src-lang bn --tgt-lang en --executor ray --ray-address HEAD:6379
"""

SCORE_HELP = """Score predicted alignments against gold beads: strict and lax precision, recall
and F1, computed as vecalign and Bleualign score Text+Berg. Bead files hold one
'[src ids]:[tgt ids]' bead per line, documents separated by blank lines. Give --pred
once per system; each gets a row named after its file (or NAME=FILE).

Example:

\b
  lrtk align score --gold dev.defr --pred ensemble=out.beads --pred out/length.beads
"""


class _AlignGroup(TyperGroup):
    """`lrtk align ARGS` aligns; `lrtk align score ARGS` scores."""

    def parse_args(self, ctx, args):
        if not args or args[0] not in self.commands:
            args = ["run", *args]
        return super().parse_args(ctx, args)


@writes("output", "report")
@opt.sharded
def align_command(
    input_path: Optional[str] = typer.Argument(None, metavar="[INPUT]",
                                               help="Document-pair JSONL file or '-' (the default)."),
    src_lang: str = typer.Option(..., "--src-lang", help="Source language code, e.g. bn."),
    tgt_lang: str = typer.Option(..., "--tgt-lang", help="Target language code, e.g. en."),
    src: Optional[str] = typer.Option(None, "--src", help="Source sentences, one per line."),
    tgt: Optional[str] = typer.Option(None, "--tgt", help="Target sentences, one per line."),
    src_docs: Optional[str] = typer.Option(None, "--src-docs",
                                           help="Source segmented-document JSONL."),
    tgt_docs: Optional[str] = typer.Option(None, "--tgt-docs",
                                           help="Target segmented-document JSONL."),
    aligners: Optional[str] = typer.Option(None, "--aligners",
                                           help="Comma-separated aligners, in order of trust."),
    combine_preset: Optional[str] = typer.Option(None, "--combine",
                                                 help="union, majority (default) or "
                                                      "intersection."),
    min_votes: Optional[int] = typer.Option(None, "--min-votes", min=1,
                                            help="Keep beads with at least this many votes."),
    embedder: str = typer.Option("offline", "--embedder",
                                 help="'offline' or a local sentence-transformers folder."),
    dictionary: Optional[str] = typer.Option(None, "--dictionary",
                                             help="Bilingual dictionary: src<TAB>tgt[<TAB>p]."),
    seed_pairs: Optional[str] = typer.Option(None, "--seed-pairs",
                                             help="Sentence-pair JSONL to learn a dictionary "
                                                  "from (IBM Model 1)."),
    translations: Optional[str] = typer.Option(None, "--translations",
                                               help="One translation per source sentence."),
    translate_cmd: Optional[str] = typer.Option(None, "--translate-cmd",
                                                help="Command: source sentences on stdin, "
                                                     "translations on stdout."),
    max_side: int = typer.Option(4, "--max-side", min=1, max=8,
                                 help="Most sentences on one side of a bead."),
    max_total: int = typer.Option(5, "--max-total", min=2, max=12,
                                  help="Most sentences in a bead, both sides together."),
    max_chars: int = typer.Option(2000, "--max-chars", min=1,
                                  help="Pairs with a side longer than this are not written."),
    output_format: str = typer.Option("jsonl", "--output-format",
                                      help="jsonl (sentence pairs) or beads."),
    output: str = typer.Option("-", "--output", "-o", help="Output file ('-' = stdout)."),
    save_aligners: Optional[str] = typer.Option(None, "--save-aligners", metavar="DIR",
                                                help="Also write DIR/<aligner>.beads for "
                                                     "every single aligner."),
    report: Optional[str] = typer.Option(None, "--report",
                                         help="Write stage statistics as JSON to this file."),
    seed: int = typer.Option(0, "--seed", help="Seed of the documents the dictionary is "
                                               "bootstrapped from (--fit-sample)."),
    fit_sample: int = typer.Option(10000, "--fit-sample", min=1,
                                   help="Source sentences (whole documents, drawn at random) "
                                        "the dictionary is bootstrapped from."),
    model: Optional[str] = typer.Option(None, "--model",
                                        help="Use this fitted dictionary (--model-out)."),
    model_out: Optional[str] = typer.Option(None, "--model-out",
                                            help="Write the fitted dictionary (JSON)."),
    fit_only: bool = typer.Option(False, "--fit-only", help="Only fit and write --model-out."),
    shards=None,  # the shard options, as one ShardOptions (opt.sharded)
) -> None:
    from lrtk.align.build import AlignerOptions
    from lrtk.align.stage import AlignRun, run_align
    from lrtk.text.languages import check_language

    check_language(src_lang, "--src-lang")
    check_language(tgt_lang, "--tgt-lang")
    opts = AlignerOptions(embedder=embedder, dictionary=dictionary, seed_pairs=seed_pairs,
                          translations=translations, translate_cmd=translate_cmd,
                          max_side=max_side, max_total=max_total)
    run_align(AlignRun(input_path, src_lang, tgt_lang, src, tgt, src_docs, tgt_docs, aligners,
                       combine_preset, min_votes, max_chars, output_format, output,
                       save_aligners, report, seed, fit_sample, model, model_out, fit_only),
              opts, shards)


@writes("report")
def score_command(
    gold: str = typer.Option(..., "--gold", help="Gold beads file."),
    pred: List[str] = typer.Option(..., "--pred", help="Predicted beads: FILE or NAME=FILE; "
                                                        "repeat for several systems."),
    report: Optional[str] = typer.Option(None, "--report", help="Write the scores as JSON."),
) -> None:
    from lrtk.align.stage import run_score

    run_score(gold, pred, report)


def register(app: typer.Typer) -> None:
    group = typer.Typer(cls=_AlignGroup, help=HELP, no_args_is_help=False,
                        rich_markup_mode=None, context_settings={"help_option_names": ["-h", "--help"]})
    group.command("run", help=HELP, hidden=True)(align_command)
    group.command("score", help=SCORE_HELP)(score_command)
    app.add_typer(group, name="align")
