"""`lrtk segment`: split documents into sentences with a language's rules."""

from __future__ import annotations

from typing import Optional

import typer

from lrtk.cli._outputs import writes

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
"""


@writes("output", "report")
def segment_command(
    input_path: str = typer.Argument("-", metavar="INPUT",
                                     help="Input file ('-' = stdin, .gz read transparently)."),
    lang: str = typer.Option(..., "--lang", "-l",
                             help="Language code: bn, en, hi, ne, si, ur, or generic."),
    fmt: str = typer.Option("jsonl", "--format", "-f",
                            help="Input format: jsonl, text or paragraphs."),
    output_format: Optional[str] = typer.Option(
        None, "--output-format", help="jsonl, text or paragraphs (default: jsonl for jsonl "
                                      "input, else the input format)."),
    output: str = typer.Option("-", "--output", "-o", help="Output file ('-' = stdout)."),
    normalize_text: bool = typer.Option(False, "--normalize",
                                        help="Normalise the text before segmenting."),
    report: Optional[str] = typer.Option(None, "--report",
                                         help="Write stage statistics as JSON to this file."),
    skip_bad: bool = typer.Option(False, "--skip-bad",
                                  help="Skip malformed records with a warning instead of "
                                       "stopping."),
) -> None:
    from lrtk.io import atomic_output, write_json
    from lrtk.io.progress import info, progress
    from lrtk.text import get_segmenter
    from lrtk.text.documents import (INPUT_FORMATS, OUTPUT_FORMATS, SegmentStats, check_format,
                                     read_documents, segment_documents, write_segmented)

    check_format(fmt, INPUT_FORMATS, "--format")
    out_fmt = check_format(output_format or fmt, OUTPUT_FORMATS, "--output-format")
    segmenter = get_segmenter(lang)  # an unknown language fails here, before any output
    stats = SegmentStats(lang=lang, normalize=normalize_text)
    docs = read_documents(input_path, fmt, lang, stats, skip_bad=skip_bad)
    records = segment_documents(progress(docs, desc="segment", unit="doc"), segmenter, stats,
                                normalize_text=normalize_text)
    with atomic_output(output) as fh:
        write_segmented(records, fh, out_fmt)
    summary = stats.as_dict()
    info(f"segment: {summary['documents']} documents, {summary['sentences']} sentences "
         f"(mean {summary['mean_sentence_chars']} chars)"
         + (f", {summary['skipped']} skipped" if summary["skipped"] else ""))
    if report:
        write_json(summary, report)


def register(app: typer.Typer) -> None:
    app.command("segment", help=HELP, no_args_is_help=False)(segment_command)
