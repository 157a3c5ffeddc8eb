"""The `lrtk align` and `lrtk align score` stages: read, align, combine, write, report.

Every alignment run goes the same way, whatever executor or worker count: the input is
surveyed (checked whole, its units counted), the lexicon is fitted once on a sample
(lrtk.align.fit), the units are cut into shards, each shard is aligned into its folder of a
work directory (lrtk.align.sharded) and the folders are joined in shard order.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from typing import Optional, Sequence

from lrtk.align.beads import read_beads
from lrtk.align.build import AlignerOptions, needs_lexicon, parse_aligner_names
from lrtk.align.ensemble import PRESETS, resolve_min_votes
from lrtk.align.fit import ModelFile, fit_document, sample_units, save_model
from lrtk.align.inputs import DOCS, PAIRS, SENTENCES, AlignInput, src_sentence_offsets
from lrtk.align.runner import AlignStats
from lrtk.align.scoring import score_alignments
from lrtk.align.sharded import AlignJob, align_shard, merge_parts
from lrtk.errors import DataError, UsageError, param
from lrtk.io import write_json
from lrtk.io.lines import display_name
from lrtk.io.progress import info, warn
from lrtk.parallel import count_lines, plan_shards
from lrtk.parallel.fit import fit_once
from lrtk.parallel.run import ShardOptions, input_fingerprint, merge_only, run_stage, work_folder
from lrtk.parallel.workdir import content_hash, file_fingerprint

OUTPUT_FORMATS = ("jsonl", "beads")
MODEL = "model.json"  # the fitted lexicon of a run that fitted its own, in its work folder
# Without --num-shards, shards of about this many source sentences: a minute or two of one
# core, against a few seconds of start-up (imports, the model, an embedder).
SENTENCES_PER_SHARD = 10000


@dataclasses.dataclass
class AlignRun:
    """What `lrtk align` was asked, beyond the aligner options."""

    input_path: Optional[str]
    src_lang: str
    tgt_lang: str
    src: Optional[str]
    tgt: Optional[str]
    src_docs: Optional[str]
    tgt_docs: Optional[str]
    aligners: Optional[str]
    combine_preset: Optional[str]
    min_votes: Optional[int]
    max_chars: int
    output_format: str
    output: str
    save_aligners: Optional[str]
    report: Optional[str]
    seed: int = 0
    fit_sample: int = 10000
    model: Optional[str] = None
    model_out: Optional[str] = None
    fit_only: bool = False


def _input(run: AlignRun, path: Optional[str]) -> AlignInput:
    """Which of the three inputs was given (`path`: the document pairs' readable copy)."""
    modes = [run.input_path is not None, run.src is not None or run.tgt is not None,
             run.src_docs is not None or run.tgt_docs is not None]
    if sum(modes) > 1:
        raise UsageError("give exactly one input: INPUT (document pairs), "
                         f"{param('src')}/{param('tgt')}, or "
                         f"{param('src_docs')}/{param('tgt_docs')}", hint="see the help of align")
    if modes[1] or modes[2]:
        src, tgt = (run.src, run.tgt) if modes[1] else (run.src_docs, run.tgt_docs)
        pair = ("src", "tgt") if modes[1] else ("src_docs", "tgt_docs")
        options = f"{param(pair[0])} and {param(pair[1])}"
        if src is None or tgt is None:
            raise UsageError(f"{options} go together")
        if "-" in (src, tgt):
            raise UsageError(f"{options} are read more than once: they cannot be stdin",
                             hint="give files (document pairs may come on stdin)")
        return AlignInput(SENTENCES if modes[1] else DOCS, run.src_lang, run.tgt_lang,
                          src=src, tgt=tgt)
    return AlignInput(PAIRS, run.src_lang, run.tgt_lang, path=path,
                      name=display_name(run.input_path or "-"))


def _check(run: AlignRun, opts: AlignerOptions, shards: ShardOptions) -> list[str]:
    """Option mistakes, refused before any reading; the aligner names."""
    if run.output_format not in OUTPUT_FORMATS:
        raise UsageError(f"unknown {param('output_format')} {run.output_format!r}",
                         hint=f"choose {' or '.join(OUTPUT_FORMATS)}")
    if run.combine_preset is not None and run.combine_preset not in PRESETS:
        raise UsageError(f"unknown {param('combine')} {run.combine_preset!r}",
                         hint=f"choose {', '.join(PRESETS)}")
    if run.combine_preset is not None and run.min_votes is not None:
        raise UsageError(f"{param('combine')} and {param('min_votes')} are alternatives; give one")
    if opts.translations and opts.translate_cmd:
        raise UsageError(f"{param('translations')} and {param('translate_cmd')} are "
                         "alternatives; give one")
    if opts.max_total < 2 or opts.max_side < 1:
        raise UsageError(f"{param('max_total')} must be >= 2 and {param('max_side')} >= 1")
    if run.save_aligners and not os.path.isdir(run.save_aligners):
        raise UsageError(f"{param('save_aligners')} directory does not exist",
                         path=run.save_aligners)
    if run.fit_only and not run.model_out:
        raise UsageError(f"{param('fit_only')} needs {param('model_out')}",
                         hint="where to write the model")
    return parse_aligner_names(run.aligners, opts)


def run_align(run: AlignRun, opts: AlignerOptions, shards: ShardOptions) -> None:
    names = _check(run, opts, shards)
    # Document pairs: INPUT, or stdin when no other input is given (a stage in a pipeline).
    others = (run.src, run.tgt, run.src_docs, run.tgt_docs)
    pairs_input = run.input_path or ("-" if all(o is None for o in others) else None)
    shards.check(pairs_input)

    def merged(folders: list[str], plan: dict) -> None:
        if run.save_aligners and not plan["save_aligners"]:
            raise UsageError("the shards did not save the single aligners' beads",
                             hint=f"run them with {param('save_aligners')}, or merge without it")
        stats = merge_parts(folders, plan["output_format"] == "beads", run.output,
                            run.save_aligners, plan["aligners"])
        _finish(stats, plan, run.report)

    if shards.merge_only:
        return merge_only(shards, "align", merged)
    with work_folder(shards, pairs_input or "", "align") as (folder, path):
        source = _input(dataclasses.replace(run, input_path=pairs_input), path)
        survey = source.survey()
        for side, ids in (("source", survey.report.src_only),
                          ("target", survey.report.tgt_only)):
            if ids and shards.shard_index in (None, 0):  # said once, not by every shard
                warn(f"{len(ids)} document id(s) only in the {side} file, not aligned: "
                     f"{', '.join(ids[:5])}{' ...' if len(ids) > 5 else ''}")
        total = sum(survey.src_sentences)
        if opts.translations and not run.fit_only:
            _check_translation_count(opts.translations, total)
        model = _model(run, opts, names, source, survey, folder, shards)
        if run.fit_only:
            return
        count = shards.num_shards or max(1, -(-total // SENTENCES_PER_SHARD))
        plan = plan_shards(survey.units, -(-survey.units // count) or 1, count)
        job = AlignJob(source, tuple(names), opts, model,
                       resolve_min_votes(run.combine_preset, run.min_votes, len(names)),
                       run.max_chars, run.output_format, bool(run.save_aligners),
                       tuple(src_sentence_offsets(survey.src_sentences,
                                                  [(s.start, s.stop) for s in plan])))
        fingerprint = {
            "stage": "align",
            "input": ([input_fingerprint(pairs_input, path)] if source.mode == PAIRS
                      else [file_fingerprint(f) for f in source.files()]),
            "mode": source.mode, "src_lang": run.src_lang, "tgt_lang": run.tgt_lang,
            "aligners": names, "min_votes": job.min_votes, "max_side": opts.max_side,
            "max_total": opts.max_total, "max_chars": run.max_chars,
            "embedder": opts.embedder, "output_format": run.output_format,
            "save_aligners": job.save_aligners,
            "translations": file_fingerprint(opts.translations) if opts.translations else None,
            "translate_cmd": opts.translate_cmd,
            "model": content_hash(model) if model else None,
            "src_only_ids": survey.report.src_only, "tgt_only_ids": survey.report.tgt_only}
        run_stage(shards, folder, fingerprint, plan, functools.partial(align_shard, job),
                  merged)


def _check_translation_count(path: str, expected: int) -> None:
    got = count_lines(path)
    if got != expected:
        raise DataError(f"{got} translations for {expected} source sentences", path=path,
                        hint="give exactly one translation per source sentence, in the "
                             "order of the documents")


def _model(run: AlignRun, opts: AlignerOptions, names: list[str], source: AlignInput,
           survey, folder: str, shards: ShardOptions) -> Optional[str]:
    """The model file the shards load: --model, or one fitted now; None if no aligner uses a
    dictionary."""
    if run.model:
        ModelFile(run.model, run.src_lang, run.tgt_lang, opts).load()  # a wrong one fails now
        return run.model
    if not (needs_lexicon(names, opts) or opts.dictionary or opts.seed_pairs):
        if run.fit_only:
            raise UsageError("no aligner here uses a dictionary: there is no model to fit",
                             hint=f"drop {param('fit_only')}")
        return None
    if shards.shard_index is not None:
        raise UsageError("a shard needs the model fitted once for all shards",
                         hint=f"run once with {param('fit_only')} {param('model_out')} MODEL "
                              f"first, then pass {param('model')} MODEL to every shard")
    units = sample_units(survey.src_sentences, run.fit_sample, run.seed)
    return fit_once(functools.partial(fit_document, source, units, names, opts), save_model,
                    os.path.join(folder, MODEL), run.model_out, run.fit_only)


def _finish(stats: AlignStats, plan: dict, report: Optional[str]) -> None:
    for doc_id in stats.empty_documents:
        warn(f"document {doc_id!r} has an empty side: nothing to pair")
    names = plan["aligners"]
    summary = {"aligners": names, "min_votes": plan["min_votes"], "src_lang": plan["src_lang"],
               "tgt_lang": plan["tgt_lang"], "src_only_ids": plan["src_only_ids"],
               "tgt_only_ids": plan["tgt_only_ids"], **stats.as_dict()}
    jsonl = plan["output_format"] == "jsonl"
    info(f"align: {stats.documents} document pairs, {stats.src_sentences}/"
         f"{stats.tgt_sentences} sentences, aligners {','.join(names)}, min votes "
         f"{plan['min_votes']}"
         + (f", {stats.pairs} pairs written" if jsonl else "")
         + (f", {stats.overlong_pairs_dropped} over-long pairs dropped"
            if stats.overlong_pairs_dropped else ""))
    if report:
        write_json(summary, report)


def run_score(gold_path: str, preds: Sequence[str], report: str | None) -> None:
    gold = read_beads(gold_path)
    rows = []
    for spec in preds:
        name, sep, path = spec.partition("=")
        if not sep:
            path, name = spec, os.path.basename(spec).rsplit(".", 1)[0]
        pred = read_beads(path)
        if len(pred) != len(gold):
            raise DataError(f"{len(pred)} documents but the gold has {len(gold)}", path=path,
                            hint="documents are separated by blank lines, in the same order")
        rows.append((name, score_alignments(gold, pred)))
    print(f"{'system':<16} {'strict P':>8} {'strict R':>8} {'strict F1':>9} "
          f"{'lax P':>7} {'lax R':>7} {'lax F1':>7}")
    for name, s in rows:
        print(f"{name:<16} {s.strict_p:8.3f} {s.strict_r:8.3f} {s.strict_f1:9.3f} "
              f"{s.lax_p:7.3f} {s.lax_r:7.3f} {s.lax_f1:7.3f}")
    if report:
        write_json({"gold": gold_path, "scores": {n: s.as_dict() for n, s in rows}}, report)
