"""`lrtk eval`: BLEU, chrF, chrF++, TER (sacrebleu) and ROUGE on files, or on a model's output."""

from __future__ import annotations

import json
import sys
from typing import List, Optional

import typer

from lrtk.cli._outputs import writes
from lrtk.cli.generate import DEVICE_HELP, generation_options
from lrtk.errors import DataError, UsageError
from lrtk.io import atomic_output, read_jsonl, write_json
from lrtk.io.progress import info
from lrtk.io.schema import TEST_PAIR

ORDER = 90


def _model_hyps_and_refs(model: str, adapter: Optional[str], test: str, src_lang: str,
                         lang: str, lang_name: Optional[str], taco: bool,
                         settings) -> tuple[list[str], list[list[str]]]:
    """Translate the `src` side of the test pairs with the model; refs are the `tgt` side
    (a string, or a list of strings for several references)."""
    from lrtk.generate import Generator, generate_records, load_model
    from lrtk.taco import language_name, translation_prompt

    pairs = list(read_jsonl(test, schema=TEST_PAIR))
    if not pairs:
        raise DataError("no test pairs", path=test)
    n_refs = len(pairs[0]["tgt"]) if isinstance(pairs[0]["tgt"], list) else 1
    refs: list[list[str]] = [[] for _ in range(n_refs)]
    src_name, tgt_name = language_name(src_lang), language_name(lang, lang_name)
    for pair in pairs:
        tgt = pair["tgt"] if isinstance(pair["tgt"], list) else [pair["tgt"]]
        if len(tgt) != n_refs:
            raise pair.error(f"'tgt' must hold {n_refs} reference(s), as on line "
                             f"{pairs[0].line}", hint="every pair needs as many references")
        for stream, text in zip(refs, tgt):
            stream.append(text)
        if "prompt" not in pair:
            # The same prompt `lrtk taco build` trains translation with.
            pair["prompt"] = translation_prompt(pair["src"], src_name, tgt_name)
    generator = Generator(load_model(model, adapter), settings)
    outputs = generate_records(pairs, generator, taco_language=tgt_name if taco else None)
    return [o["output"] for o in outputs], refs


@writes("hyp_out", "sentence_scores", "report", "markdown")
def evaluate(
    metric: str = typer.Option("bleu,chrf", "--metric",
                               help="Comma list of bleu, chrf, chrf++, ter, rouge "
                                    "(= rouge1,rouge2,rougeL), rouge1, rouge2, rougeL."),
    hyp: Optional[str] = typer.Option(None, "--hyp", help="System output, one segment per line."),
    ref: List[str] = typer.Option([], "--ref", help="Reference file; repeat for several."),
    lang: str = typer.Option("", "--lang", "-l", help="Target language code (bn, ne, si, ur)."),
    model: Optional[str] = typer.Option(None, "--model", help="HF model directory to translate "
                                        "--test with, instead of --hyp/--ref."),
    adapter: Optional[str] = typer.Option(None, "--adapter", help="Adapter for --model."),
    test: Optional[str] = typer.Option(None, "--test", help="JSONL sentence pairs (src, tgt) "
                                       "for --model; tgt may be a list of references."),
    src_lang: str = typer.Option("en", "--src-lang", help="Source language of --test."),
    lang_name: Optional[str] = typer.Option(None, "--lang-name"),
    taco: bool = typer.Option(False, "--taco", help="Score only the final TaCo response."),
    hyp_out: Optional[str] = typer.Option(None, "--hyp-out",
                                          help="Save the --model outputs, one per line."),
    max_new_tokens: int = typer.Option(128, "--max-new-tokens"),
    batch_size: int = typer.Option(8, "--batch-size"),
    device: str = typer.Option("auto", "--device", help="For --model: " + DEVICE_HELP),
    baseline: Optional[str] = typer.Option(
        None, "--baseline", help="A second system's output: paired bootstrap test of --hyp "
                                 "against it (sacrebleu metrics)."),
    bootstrap: int = typer.Option(1000, "--bootstrap", min=1, help="Resamples for --baseline."),
    seed: int = typer.Option(12345, "--seed", help="Bootstrap seed (sacrebleu's default)."),
    tokenize: str = typer.Option("13a", "--tokenize", help="BLEU tokenizer, e.g. 13a, intl, "
                                 "char, flores200 (flores* need --spm-model offline)."),
    spm_model: Optional[str] = typer.Option(None, "--spm-model", help="Local sentencepiece "
                                            "model for --tokenize flores101/flores200/spm."),
    sentence_scores: Optional[str] = typer.Option(
        None, "--sentence-scores", help="Write per-segment scores as JSONL to this file."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object keyed by metric."),
    report: Optional[str] = typer.Option(None, "--report", help="Also write the JSON here."),
    markdown: Optional[str] = typer.Option(None, "--markdown", help="Write a Markdown table here."),
) -> None:
    """Score system output against references; the table goes to stderr, --json to stdout.

    \b
    Examples:
      lrtk eval --metric bleu,chrf,rouge --hyp hyp.txt --ref ref.txt --lang ur --json
      lrtk eval --hyp a.txt --baseline b.txt --ref ref1.txt --ref ref2.txt
      lrtk eval --model models/tiny --adapter out/stage2 --test test.en-ne.jsonl --lang ne
    """
    from lrtk.evaluate import (build_metrics, markdown_table, paired_bootstrap,
                               parse_metric_names, read_hyps_and_refs, results_json)
    from lrtk.evaluate.segments import read_segments
    from lrtk.io import write_jsonl

    metrics = build_metrics(parse_metric_names(metric), lang=lang, tokenize=tokenize,
                            spm_model=spm_model)
    if model:
        if hyp or ref or not test or not lang:
            raise UsageError("--model takes --test and --lang, not --hyp/--ref")
        settings = generation_options(max_new_tokens, batch_size, False, 1.0, 1.0, 0, device)
        hyps, refs = _model_hyps_and_refs(model, adapter, test, src_lang, lang, lang_name,
                                          taco, settings)
        if hyp_out:
            with atomic_output(hyp_out) as fh:
                fh.write("".join(h.replace("\n", " ") + "\n" for h in hyps))
    elif hyp:
        hyps, refs = read_hyps_and_refs(hyp, ref)
    else:
        raise UsageError("nothing to score", hint="give --hyp and --ref, or --model and --test")

    results = [m.score(hyps, refs, sentences=bool(sentence_scores)) for m in metrics]
    significance = None
    if baseline:
        base = read_segments(baseline)
        if len(base) != len(hyps):
            raise DataError(f"{baseline} has {len(base)} lines but the system has {len(hyps)}")
        significance = paired_bootstrap(metrics, hyps, base, refs, n_samples=bootstrap, seed=seed)
    if sentence_scores:
        write_jsonl(({"line": i + 1, **{r.name: round(r.sentences[i], 4) for r in results}}
                     for i in range(len(hyps))), sentence_scores)
    data = results_json(results, significance)
    table = markdown_table(results, significance)
    if report:
        write_json(data, report)
    if markdown:
        with atomic_output(markdown) as fh:
            fh.write(table)
    info(f"eval: {len(hyps)} segments, {len(refs)} reference(s)")
    print(table, end="", file=sys.stderr)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, sort_keys=False))


def register(app: typer.Typer) -> None:
    app.command("eval")(evaluate)
