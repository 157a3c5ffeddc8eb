"""The `lrtk align` and `lrtk align score` stages: read, align, combine, write, report."""

from __future__ import annotations

import os
from typing import Sequence

from lrtk.align.beads import read_beads
from lrtk.align.build import AlignerOptions, build_aligners, parse_aligner_names
from lrtk.align.ensemble import PRESETS, resolve_min_votes
from lrtk.align.inputs import (InputReport, read_document_pairs, read_joined_documents,
                               read_sentence_files)
from lrtk.align.runner import AlignStats, align_documents, pair_records
from lrtk.align.scoring import score_alignments
from lrtk.errors import DataError, UsageError
from lrtk.io import atomic_output, write_json
from lrtk.io.progress import info, warn
from lrtk.io.records import dumps

OUTPUT_FORMATS = ("jsonl", "beads")


def _read_input(input_path, src, tgt, src_docs, tgt_docs, src_lang, tgt_lang,
                seen: InputReport):
    modes = [input_path is not None, src is not None or tgt is not None,
             src_docs is not None or tgt_docs is not None]
    if not any(modes):
        input_path = "-"  # a stage in a pipeline: document pairs on stdin
    elif sum(modes) != 1:
        raise UsageError("give exactly one input: INPUT (document pairs), --src/--tgt, or "
                         "--src-docs/--tgt-docs", hint="see lrtk align --help")
    if input_path is not None:
        return read_document_pairs(input_path, src_lang, tgt_lang)
    if src is not None or tgt is not None:
        if src is None or tgt is None:
            raise UsageError("--src and --tgt go together")
        return read_sentence_files(src, tgt, src_lang, tgt_lang)
    if src_docs is None or tgt_docs is None:
        raise UsageError("--src-docs and --tgt-docs go together")
    return read_joined_documents(src_docs, tgt_docs, src_lang, tgt_lang, seen)


def _write_beads(fh, alignments: Sequence[Sequence]) -> None:
    for n, beads in enumerate(alignments):
        if n:
            fh.write("\n")  # documents are separated by a blank line
        for bead in beads:
            fh.write(bead.format() + "\n")


def run_align(*, input_path, src_lang, tgt_lang, src, tgt, src_docs, tgt_docs, aligners,
              combine_preset, min_votes, embedder, dictionary, seed_pairs, translations,
              translate_cmd, max_side, max_total, max_chars, output_format, output,
              save_aligners, report) -> None:
    if output_format not in OUTPUT_FORMATS:
        raise UsageError(f"unknown --output-format {output_format!r}",
                         hint=f"choose {' or '.join(OUTPUT_FORMATS)}")
    if combine_preset is not None and combine_preset not in PRESETS:
        raise UsageError(f"unknown --combine {combine_preset!r}", hint=f"choose {', '.join(PRESETS)}")
    if combine_preset is not None and min_votes is not None:
        raise UsageError("--combine and --min-votes are alternatives; give one")
    if translations and translate_cmd:
        raise UsageError("--translations and --translate-cmd are alternatives; give one")
    if max_total < 2 or max_side < 1:
        raise UsageError("--max-total must be >= 2 and --max-side >= 1")
    if save_aligners and not os.path.isdir(save_aligners):
        raise UsageError("--save-aligners directory does not exist", path=save_aligners)
    opts = AlignerOptions(embedder=embedder, dictionary=dictionary, seed_pairs=seed_pairs,
                          translations=translations, translate_cmd=translate_cmd,
                          max_side=max_side, max_total=max_total)
    names = parse_aligner_names(aligners, opts)
    seen = InputReport()
    docs = _read_input(input_path, src, tgt, src_docs, tgt_docs, src_lang, tgt_lang, seen)
    for side, ids in (("source", seen.src_only), ("target", seen.tgt_only)):
        if ids:
            warn(f"{len(ids)} document id(s) only in the {side} file, not aligned: "
                 f"{', '.join(ids[:5])}{' ...' if len(ids) > 5 else ''}")
    if not docs:
        raise DataError("no document pairs to align",
                        hint="check that both sides share document ids")
    built = build_aligners(names, docs, opts, src_lang)
    votes = resolve_min_votes(combine_preset, min_votes, len(built))
    stats = AlignStats()
    singles: dict[str, list] = {a.name: [] for a in built}
    ensemble: list = []
    with atomic_output(output) as fh:
        for result in align_documents(docs, built, votes, stats, total=len(docs)):
            for name, beads in result.single.items():
                singles[name].append([sb.bead for sb in beads])
            if output_format == "beads":
                ensemble.append([v.bead for v in result.ensemble])
            else:
                for rec in pair_records(result, max_chars, stats):
                    fh.write(dumps(rec) + "\n")
        if output_format == "beads":
            _write_beads(fh, ensemble)
    if save_aligners:
        for name, alignments in singles.items():
            with atomic_output(os.path.join(save_aligners, f"{name}.beads")) as fh:
                _write_beads(fh, alignments)
    for doc_id in stats.empty_documents:
        warn(f"document {doc_id!r} has an empty side: nothing to pair")
    summary = {"aligners": names, "min_votes": votes, "src_lang": src_lang,
               "tgt_lang": tgt_lang, "src_only_ids": seen.src_only,
               "tgt_only_ids": seen.tgt_only, **stats.as_dict()}
    info(f"align: {stats.documents} document pairs, {stats.src_sentences}/"
         f"{stats.tgt_sentences} sentences, aligners {','.join(names)}, min votes {votes}"
         + (f", {stats.pairs} pairs written" if output_format == "jsonl" else "")
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
