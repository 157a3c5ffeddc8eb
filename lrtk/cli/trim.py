"""`lrtk trim-vocab`: a multilingual model cut down to its target languages' tokens."""

from __future__ import annotations

import sys
from typing import List, Optional

import typer

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes

ORDER = 62
COMMAND = "trim-vocab"

HELP = """Trim a model's vocabulary to the tokens a corpus uses.

Keeps the tokens the --corpus text tokenizes into, all special, added and byte-fallback
tokens, and (with --top / --coverage) only the most frequent of the used ones. Rewrites the
tokenizer (sentencepiece model, tokenizer.json, vocab.txt), slices the embedding matrix and
the output head (tied or not; T5's lm_head, BART's final_logits_bias, BERT's MLM bias),
renumbers the special ids of config.json, and checks the new tokenizer. T5/mT5, BART/mBART,
Llama/Mistral/Qwen2 and BERT/RoBERTa/XLM-R models. Prints sizes before and after and the
share of corpus lines that still tokenize identically (to stderr; --report writes JSON).

Example (mT5 for Urdu):

\b
  lrtk trim-vocab models/mt5-small --corpus ur=ur.train.txt -o models/mt5-small-ur \\
      --report trim-report.json
"""


@writes("report", folder="output", command=COMMAND, inputs=("model_dir", "corpus"))
def trim_cmd(
    model_dir: str = typer.Argument(..., metavar="MODEL_DIR", help="Hugging Face model folder "
                                    "(config.json, weights, tokenizer)."),
    corpus: List[str] = opt.corpus("LANG=PATH, repeated; one sentence a line (.gz read too; "
                                   "*.jsonl read as records)."),
    output: str = opt.output(..., "Output model folder."),
    fmt: str = opt.corpus_format(),
    text_field: str = opt.text_field(),
    top: Optional[int] = typer.Option(None, "--top", help="Keep only the N most frequent used "
                                      "tokens (special and byte tokens come on top)."),
    coverage: Optional[float] = typer.Option(None, "--coverage", help="Keep the most frequent "
                                             "used tokens covering this share of the corpus "
                                             "tokens, e.g. 0.999."),
    report: Optional[str] = opt.report("Write the report as JSON."),
    overwrite: bool = opt.overwrite(),
) -> None:
    from lrtk.io import write_json
    from lrtk.sampling import parse_corpus_options
    from lrtk.trim import TrimOptions, trim_model

    specs = parse_corpus_options(corpus, fmt, text_field)
    result = trim_model(model_dir, specs, output, TrimOptions(top=top, coverage=coverage),
                        overwrite=overwrite)
    print(render(result), file=sys.stderr)
    if report:
        write_json(result, report)


def render(result: dict) -> str:
    b, a = result["before"], result["after"]
    lines = [f"{'':14}{'before':>14}{'after':>14}"]
    for key in ("vocab", "params", "weight_bytes"):
        lines.append(f"{key:14}{b[key]:>14,}{a[key]:>14,}")
    lines.append(f"parameters saved: {result['params_saved']:.2%}")
    for lang, share in result["identical_lines"].items():
        spm = result.get("identical_lines_spm", {}).get(lang)
        lines.append(f"{lang}: {share:.2%} of {result['corpus_lines'][lang]} lines tokenize "
                     "identically" + (f" ({spm:.2%} with the sentencepiece model)"
                                      if spm is not None else ""))
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.command(COMMAND, help=HELP, cls=opt.deprecated({"--field": "--text-field"}))(trim_cmd)


