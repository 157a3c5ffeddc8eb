"""`lrtk summarize`: extractive summaries (lead-k, encoder centroid) of JSONL documents."""

from __future__ import annotations

from typing import Optional

import typer

from lrtk.cli import options as opt

ORDER = 88


def summarize_cmd(
    input_path: str = typer.Argument("-", metavar="INPUT", help="Documents JSONL "
                                     '{"id","text"[,"lang"]} (\'-\' for stdin).'),
    output: str = opt.output(),
    method: str = typer.Option("lead", "--method", help="lead (first k sentences) or encoder "
                               "(k sentences nearest the document centroid)."),
    k: int = typer.Option(3, "--sentences", "-k", min=1, help="Sentences per summary."),
    lang: Optional[str] = opt.lang(None, "Language code of documents without a 'lang' field "
                                         "(picks the sentence segmenter)."),
    model: Optional[str] = opt.model(None, "Local BERT/XLM-R folder for --method encoder."),
    fmt: str = typer.Option("jsonl", "--format", help='jsonl ({"id","summary"}) or text (one '
                            "summary a line, for lrtk eval --hyp)."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Sentences per encoder batch."),
    device: str = typer.Option("cpu", "--device", help="Encoder device: cpu, cuda, mps."),
) -> None:
    """Summarize each document by picking whole sentences, kept in document order.

    \b
    Examples:
      lrtk summarize docs.ur.jsonl --method lead -k 3 --lang ur -o lead3.jsonl
      lrtk summarize docs.ur.jsonl --method encoder --model models/xlm-roberta-base \\
          -k 3 --lang ur --format text -o enc3.txt
      lrtk eval --metric rouge --hyp enc3.txt --ref refs.ur.txt --lang ur
    """
    from lrtk.errors import UsageError
    from lrtk.io import read_jsonl, write_records
    from lrtk.io.schema import DOCUMENT
    from lrtk.summarize import EncoderScorer, summarize_documents

    if fmt not in ("jsonl", "text"):
        raise UsageError(f"unknown format {fmt!r}", hint="choose jsonl or text")
    # Without --model the scorer stays None and summarize_documents says what is missing.
    scorer = EncoderScorer(model, device=device, batch_size=batch_size) \
        if method == "encoder" and model is not None else None
    docs = read_jsonl(input_path, schema=DOCUMENT)
    records = summarize_documents(docs, method=method, k=k, lang=lang, scorer=scorer)
    if fmt == "text":
        records = ({**r, "summary": " ".join(r["summary"].split())} for r in records)
    write_records(records, output, fmt, text_field="summary")


def register(app: typer.Typer) -> None:
    app.command("summarize")(summarize_cmd)
