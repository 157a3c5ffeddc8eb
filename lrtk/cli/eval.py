"""`lrtk eval`: BLEU, chrF, chrF++, TER (sacrebleu), ROUGE and BERTScore on files or on a
model's output (decoder-only or T5/mT5/mBART), several systems side by side; accuracy,
macro-F1 and entity F1 of encoder task adapters (--task)."""

from __future__ import annotations

import json
import sys
from typing import List, Optional

import typer

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes
from lrtk.errors import DataError, UsageError
from lrtk.io import atomic_output, write_json
from lrtk.io.progress import info

ORDER = 90


METRIC_HELP = "Comma list of metrics (--help lists them), module:Class or an entry point."


class _EvalCommand(opt.deprecated({"--lang": "--tgt-lang", "-l": "--tgt-lang"})):
    """Lists the metrics of the registry in --help, when help is shown: importing every
    metric is too slow for each start of lrtk."""

    def format_help(self, ctx, formatter):
        from lrtk.evaluate.registry import GROUPS, METRICS

        groups = "; ".join(f"{name} = {','.join(parts)}" for name, parts in GROUPS.items())
        (param,) = [p for p in self.params if p.name == "metric"]
        param.help = (f"Comma list of {', '.join(METRICS.names())} ({groups}; bertscore needs "
                      f"--bertscore-model), or a user's metric as module:Class or an entry "
                      f"point of group {METRICS.group}.")
        return super().format_help(ctx, formatter)


@writes("hyp_out", "sentence_scores", "report", "markdown")
def evaluate(
    metric: str = typer.Option("bleu,chrf", "--metric", help=METRIC_HELP),
    hyp: List[str] = typer.Option([], "--hyp", help="System output, one segment per line "
                                  "(.jsonl: each record's 'output' or 'summary'); repeat as "
                                  "NAME=FILE to score several systems side by side."),
    ref: List[str] = typer.Option([], "--ref", help="Reference file (.jsonl: each record's "
                                  "'summary' or 'tgt'); repeat for several."),
    tgt_lang: str = opt.tgt_lang("", "Target language code (bn, ne, si, ur)."),
    model: Optional[str] = opt.model(None, "HF model directory to translate or summarize "
                                           "--test with (also with --hyp systems beside it), "
                                           "or the encoder of --task."),
    adapter: Optional[str] = typer.Option(None, "--adapter", help="Adapter for --model."),
    test: Optional[str] = typer.Option(None, "--test", help="JSONL sentence pairs (src, tgt; "
                                       "tgt may be a list of references), for T5/mT5/mBART also "
                                       "{text, summary}; with --task {text,label} or "
                                       "{tokens,tags}."),
    task: Optional[str] = typer.Option(None, "--task", help="classify (accuracy, macro-F1) or "
                                       "ner (entity-level P/R/F1, CoNLL spans) of a task "
                                       "adapter (--model, --adapter, --test)."),
    language_adapter: Optional[str] = typer.Option(
        None, "--language-adapter", help="With --task: the language adapter under the task "
                                         "adapter [default: the one it was trained on]; "
                                         "another language's for zero-shot transfer."),
    src_lang: str = opt.src_lang("en", "Source language code of --test (mBART: ur or ur_PK)."),
    src_lang_name: Optional[str] = opt.src_lang_name(),
    lang_name: Optional[str] = opt.lang_name(),
    taco: bool = typer.Option(False, "--taco", help="Score only the final TaCo response."),
    hyp_out: Optional[str] = typer.Option(None, "--hyp-out",
                                          help="Save the --model outputs, one per line."),
    max_new_tokens: int = opt.max_new_tokens(),
    batch_size: int = typer.Option(8, "--batch-size", help="Examples per batch (--model, "
                                                           "--task)."),
    num_beams: int = opt.num_beams(),
    device: str = opt.device("For --model: "),
    bertscore_model: Optional[str] = typer.Option(
        None, "--bertscore-model", help="Local encoder folder (BERT/XLM-R) for bertscore."),
    bertscore_layer: Optional[int] = typer.Option(
        None, "--bertscore-layer", help="Encoder layer whose states bertscore compares "
                                        "[default: the last]."),
    idf: bool = typer.Option(False, "--idf", help="bertscore: weigh tokens by idf over the "
                                                  "references."),
    baseline: Optional[str] = typer.Option(
        None, "--baseline", help="A second system's output: paired bootstrap test of --hyp "
                                 "against it (sacrebleu metrics)."),
    bootstrap: int = typer.Option(1000, "--bootstrap", min=1, help="Resamples for --baseline."),
    seed: int = opt.seed("Bootstrap seed (--baseline; sacrebleu's own default is 12345)."),
    tokenize: str = typer.Option("13a", "--tokenize", help="BLEU tokenizer, e.g. 13a, intl, "
                                 "char, flores200 (flores* need --spm-model offline)."),
    spm_model: Optional[str] = typer.Option(None, "--spm-model", help="Local sentencepiece "
                                            "model for --tokenize flores101/flores200/spm."),
    sentence_scores: Optional[str] = typer.Option(
        None, "--sentence-scores", help="Write per-segment scores as JSONL to this file."),
    as_json: bool = opt.json_switch("Print one JSON object keyed by metric (by system, then "
                                    "metric, for several systems)."),
    report: Optional[str] = opt.report("Also write the JSON here."),
    markdown: Optional[str] = typer.Option(None, "--markdown", help="Write a Markdown table here."),
) -> None:
    """Score system output against references; the table goes to stderr, --json to stdout.

    \b
    Examples:
      lrtk eval --metric bleu,chrf,rouge --hyp hyp.txt --ref ref.txt --tgt-lang ur --json
      lrtk eval --hyp a.txt --baseline b.txt --ref ref1.txt --ref ref2.txt
      lrtk eval --model models/tiny --adapter out/stage2 --test test.en-ne.jsonl --tgt-lang ne
    \b
    Extractive and abstractive summaries side by side (ROUGE and BERTScore):
      lrtk eval --metric rouge,bertscore --bertscore-model models/xlmr-ur \\
          --model models/mt5-ur --adapter out/ur-sum/adapter --test docs.ur.jsonl --tgt-lang ur \\
          --hyp lead3=lead3.jsonl --hyp encoder=enc3.jsonl
    \b
    A task adapter, and zero-shot transfer by swapping the language adapter:
      lrtk eval --task ner --model models/xlmr --adapter out/bn-ner/adapter --test ner.ne.jsonl \\
          --language-adapter out/ne-lang/adapter
    """
    from lrtk.evaluate import build_metrics, paired_bootstrap, parse_metric_names
    from lrtk.evaluate.segments import (check_lengths, parse_systems, read_refs,
                                        read_segments)
    from lrtk.generate import GenerationSettings
    from lrtk.io import write_jsonl

    from lrtk.evaluate.model_outputs import model_hyps_and_refs, run_name, task_scores

    if task:
        if not (model and test) or hyp or ref:
            raise UsageError("--task takes --model, --adapter and --test, not --hyp/--ref")
        results = task_scores(task, model, adapter, language_adapter, test, batch_size)
        _write_results({"system": results}, None, report, markdown, as_json,
                       f"eval: --task {task} on {test}")
        return
    if language_adapter:
        raise UsageError("--language-adapter goes with --task")
    metrics = build_metrics(parse_metric_names(metric), lang=tgt_lang, tokenize=tokenize,
                            spm_model=spm_model, bertscore={
                                "path": bertscore_model, "layer": bertscore_layer, "idf": idf})
    systems: dict[str, list[str]] = {}
    if model:
        if ref or not test or not tgt_lang:
            raise UsageError("--model takes --test and --tgt-lang, not --ref")
        # Greedy or beam search: scores must be reproducible.
        settings = GenerationSettings(max_new_tokens, batch_size, device=device,
                                      num_beams=num_beams)
        hyps, refs = model_hyps_and_refs(model, adapter, test, src_lang, tgt_lang,
                                         (src_lang_name, lang_name), taco, settings)
        systems[run_name(adapter or model)] = hyps
        ref_names = [test]
        if hyp_out:
            with atomic_output(hyp_out) as fh:
                fh.write("".join(h.replace("\n", " ") + "\n" for h in hyps))
    elif hyp:
        refs, ref_names = read_refs(ref), list(ref)
    else:
        raise UsageError("nothing to score", hint="give --hyp and --ref, or --model and --test")
    for name, path in parse_systems(hyp).items():
        if name in systems:
            raise UsageError(f"two systems named {name!r}", hint="name the --hyp: NAME=FILE")
        systems[name] = read_segments(path)
        check_lengths(path, systems[name], ref_names, refs)

    if len(systems) > 1:
        if baseline or sentence_scores:
            raise UsageError("--baseline and --sentence-scores score one system",
                             hint="give one --hyp (or --model alone)")
        scored = {name: [m.score(h, refs) for m in metrics] for name, h in systems.items()}
        _write_results(scored, None, report, markdown, as_json,
                       f"eval: {len(systems)} systems, {len(refs[0])} segments, "
                       f"{len(refs)} reference(s)")
        return
    (hyps,) = systems.values()
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
    _write_results({"system": results}, significance, report, markdown, as_json,
                   f"eval: {len(hyps)} segments, {len(refs)} reference(s)")


def _write_results(scored: dict, significance, report, markdown, as_json: bool,
                   summary: str) -> None:
    """The table (stderr, --markdown) and JSON (--json, --report) of one system (keyed by
    metric) or several (keyed by system, then metric)."""
    from lrtk.evaluate import markdown_table, results_json
    from lrtk.evaluate.report import comparison_json, comparison_table

    if len(scored) == 1:
        (results,) = scored.values()
        data, table = results_json(results, significance), markdown_table(results, significance)
    else:
        data, table = comparison_json(scored), comparison_table(scored)
    if report:
        write_json(data, report)
    if markdown:
        with atomic_output(markdown) as fh:
            fh.write(table)
    info(summary)
    print(table, end="", file=sys.stderr)
    if as_json:
        print(json.dumps(data, ensure_ascii=False, sort_keys=False))


def register(app: typer.Typer) -> None:
    app.command("eval", cls=_EvalCommand)(evaluate)
