"""`lrtk segment`: split documents into sentences with a language's rules."""

from __future__ import annotations

from typing import Optional

import typer

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes
from lrtk.text.profile import supported_languages

ORDER = 10

HELP = """Split documents into sentences (danda, Urdu and Latin stops, abbreviations, initials,
decimals, ellipses, lists, quotes, URLs).

Input (--format): jsonl documents {"id","lang","text"} (default), text with one paragraph per
line, or paragraphs: documents separated by blank lines. A line break inside a document is
always a sentence boundary.

Output (--output-format, default: jsonl for jsonl input, otherwise the input's format):
jsonl segmented documents {"id","lang","sentences","spans"} keeping each input id (spans are
[start, end) character offsets into the text), text with one sentence per line, or
paragraphs (one sentence per line, a blank line after each document).

Without --normalize every sentence is an exact substring of its input text. With it the text
is first normalised (NFC, Bengali canonical forms, stray zero-width marks removed) and the
spans index the normalised text.

Examples:

\b
  lrtk segment --lang bn < docs.jsonl > sents.jsonl
  echo "আমি ভাত খাই। ডা. মো. রহিম এসেছেন।" | lrtk segment --lang bn --format text
  lrtk segment --lang en --format paragraphs book.txt -o book.sents.txt --report seg.json

A file input is segmented on every core (--workers) in shards of whole documents, with the
same output for any worker or shard count; --num-shards/--shard-index/--work-dir/--merge
and --executor ray run it on a cluster (docs/scale.md).
"""


@writes("output", "report")
@opt.sharded
def segment_command(
    input_path: str = typer.Argument("-", metavar="INPUT",
                                     help="Input file ('-' = stdin, .gz read transparently)."),
    lang: str = opt.lang(help=f"Language code: {', '.join(supported_languages())}."),
    fmt: str = typer.Option("jsonl", "--format", "-f",
                            help="Input format: jsonl, text or paragraphs."),
    output_format: Optional[str] = typer.Option(
        None, "--output-format", help="jsonl, text or paragraphs (default: jsonl for jsonl "
                                      "input, else the input format)."),
    output: str = opt.output(),
    normalize_text: bool = typer.Option(False, "--normalize",
                                        help="Normalise the text before segmenting."),
    report: Optional[str] = opt.report(),
    skip_bad: bool = opt.skip_bad(),
    shards=None,
) -> None:
    from lrtk.io.lines import display_name
    from lrtk.text import get_segmenter
    from lrtk.text.documents import INPUT_FORMATS, OUTPUT_FORMATS, check_format
    from lrtk.text.segment_run import SegmentJob, run_segment

    check_format(fmt, INPUT_FORMATS, "--format")
    out_fmt = check_format(output_format or fmt, OUTPUT_FORMATS, "--output-format")
    get_segmenter(lang)  # an unknown language fails here, before any output
    run_segment(SegmentJob(input_path, display_name(input_path), fmt, out_fmt, lang,
                           normalize_text, skip_bad), output, report, shards)


def register(app: typer.Typer) -> None:
    app.command("segment", help=HELP, no_args_is_help=False)(segment_command)
