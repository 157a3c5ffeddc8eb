"""`lrtk corpus build`: sources -> normalise -> dedup -> decontaminate -> split -> outputs,
in memory that does not grow with the corpus, on every core, or as shards of a cluster job.

1. Partition (lrtk.corpus.partition, one task per shard of the input lines, run by
   lrtk.parallel like filter and segment): normalise, key, and file every entry under the
   bucket of its near-duplicate key.
2. Merge (lrtk.corpus.merge, in parallel too): per bucket, keep the first occurrence of
   each key in input order (lrtk.corpus.dedup.first_occurrences); then per range of input
   positions, the buckets' survivors are merged back into input order (heapq.merge) and
   streamed into that range's part of the split files, the Hugging Face dataset's rows and
   the card's statistics; the parts are concatenated. Fixed-size splits are chosen between
   the two steps from each bucket's smallest hashes (lrtk.corpus.split).

Each step decides an entry from the entries before it in input order only, so the bytes are
the same for any worker count, shard count or executor. The output directory is assembled
in a temporary sibling and renamed into place at the end (lrtk.io.atomic_dir), so a failed
build never leaves a half-written corpus or damages the previous one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
from typing import Iterator, Optional, Sequence

import numpy as np

from lrtk.corpus.card import CorpusLengths, card_figures, write_card
from lrtk.corpus.config import CorpusConfig
from lrtk.corpus.decontaminate import excluded_keys
from lrtk.corpus.dedup import NEAR_DUPLICATE_RULE, STEPS
from lrtk.corpus.merge import MergeJob, WriteJob, dedup_bucket, first_reused_id, write_range
from lrtk.corpus.partition import INDEX, BuildJob, bucket_count, partition_shard, plan_units
from lrtk.corpus.split import SPLIT_RULE, Splits
from lrtk.corpus.writer import assemble_tasks, sha256_files
from lrtk.errors import DataError, UsageError, param
from lrtk.io import atomic_dir
from lrtk.io.lines import open_lines, read_bytes
from lrtk.parallel import plan_shards
from lrtk.parallel.executor import call, parallel_map, parallel_results
from lrtk.parallel.plan import split_even
from lrtk.parallel.run import ShardOptions, input_fingerprint, merge_only, run_stage, work_folder
from lrtk.parallel.workdir import content_hash, file_fingerprint

STAGE = "corpus build"
# Without --num-shards, shards of this many input lines: enough shards for every worker on
# a mid-sized corpus; each holds its own keyed entries (about 1 KB a line) until written.
LINES_PER_SHARD = 10000
MERGE_DIR = "merge"  # in the work folder: survivors and output parts while the merge runs


def build_corpus(config: CorpusConfig, outdir: str, excludes: Sequence[str], card_path: str,
                 command: str, opts: Optional[ShardOptions] = None) -> Optional[dict]:
    """Build everything; returns the card's front matter (also the --report content), or
    None when this invocation only ran one shard (--shard-index)."""
    opts = opts or ShardOptions()
    stdin = any(s.path == "-" for s in (*config.sources, *config.monolingual))
    opts.check("-" if stdin else config.path)
    front = {}

    def merged(folders: list[str], plan: dict) -> None:
        _check_plan(plan, config, excludes, os.path.dirname(folders[0]))
        front.update(_merge(config, outdir, excludes, card_path, command, folders, plan,
                            opts))

    if opts.merge_only:
        merge_only(opts, STAGE, merged)
        return front
    with work_folder(opts, "-" if stdin else config.path, STAGE) as (folder, path):
        units = plan_units(config, path if stdin else None, counted=True)
        total = sum(u.lines for u in units)
        job = BuildJob(config, tuple(units),
                       frozenset(excluded_keys(excludes, (config.src_lang, config.tgt_lang))),
                       bucket_count(total))
        n_shards = opts.num_shards or -(-total // LINES_PER_SHARD) or 1
        shards = plan_shards(total, -(-total // n_shards) or 1, n_shards)
        run_stage(opts, folder, _fingerprint(config, excludes, units, job.buckets),
                  shards, functools.partial(partition_shard, job), merged)
    return front or None


def _fingerprint(config: CorpusConfig, excludes: Sequence[str], units, buckets: int) -> dict:
    inputs = []
    for unit in units:
        inputs.append(input_fingerprint(unit.source.path or unit.path, unit.path))
        if unit.source.tgt_path:
            inputs.append(file_fingerprint(config.resolve(unit.source.tgt_path)))
    return {"stage": STAGE, **_identity(config, excludes), "inputs": inputs, "buckets": buckets,
            "lines": sum(u.lines for u in units)}


def _identity(config: CorpusConfig, excludes: Sequence[str]) -> dict:
    """What a --merge invocation must agree on with the shards it joins."""
    return {"config": content_hash(config.path),
            "excludes": [file_fingerprint(p) for p in excludes]}


def _check_plan(plan: dict, config: CorpusConfig, excludes: Sequence[str], folder: str) -> None:
    ours = _identity(config, excludes)
    if any(plan.get(k) != v for k, v in ours.items()):
        raise UsageError("the work folder holds shards of a build with another config or "
                         f"other {param('exclude')} files", path=folder,
                         hint=f"give {param('merge')} the {param('config')} and "
                              f"{param('exclude')} the shards ran with")


def _merge(config: CorpusConfig, outdir: str, excludes: Sequence[str], card_path: str,
           command: str, folders: list[str], plan: dict, opts: ShardOptions) -> dict:
    units = plan_units(config)
    read = [dict.fromkeys(("read", "normalised"), 0) for _ in units]
    # Every shard's bucket offsets, as arrays: at 25.6M lines, 2,560 shards x 513 offsets of
    # each file, 21 MB where as Python integers they took some 100 MB.
    shard_offsets = {key: np.zeros((len(folders), plan["buckets"] + 1), np.int64)
                     for key in ("entries", "ids")}
    for s, folder in enumerate(folders):
        with open(os.path.join(folder, INDEX), encoding="utf-8") as fh:
            index = json.load(fh)
        for key, table in shard_offsets.items():
            table[s] = index[key]
        for i, c in index["counts"].items():
            _add(read[int(i)], c)
    pipelines = [dict.fromkeys(STEPS, 0) for _ in range(1 + len(config.monolingual))]
    for unit, c in zip(units, read):
        _add(pipelines[unit.pipeline], c)
    mono_langs = tuple(dict.fromkeys(s.lang for s in config.monolingual))
    splits = Splits(config.splits)
    run = functools.partial(parallel_results, workers=opts.workers, executor=opts.executor,
                            ray_address=opts.ray_address)
    with _scratch(os.path.join(os.path.dirname(folders[0]), MERGE_DIR)) as tmp:
        # One range of input positions per bucket: as many tasks, of about the same size.
        starts = [lo for lo, _ in split_even(plan["lines"], plan["buckets"])] + [plan["lines"]]
        job = MergeJob(tuple(folders), shard_offsets, len(pipelines), tuple(starts), splits,
                       tmp)
        # Every task's result is folded in as it arrives: of each, only its survivors'
        # offsets (one per range) and its staged dataset rows' sizes are kept.
        range_offsets, reused = [], []
        for bucket in run(functools.partial(dedup_bucket, job), range(plan["buckets"])):
            for pipeline, counts in zip(pipelines, bucket.counts):
                _add(pipeline, counts)
            if splits.fixed:
                splits.add_candidates(bucket.candidates)
            range_offsets.append(bucket.offsets)
            reused.append(bucket.reused_id)
        error = first_reused_id(reused)
        if error:
            raise error
        if splits.fixed:
            splits.choose_from_candidates()
        lengths = CorpusLengths(config, splits.names, mono_langs)
        split_counts = dict.fromkeys(splits.names, 0)
        mono_counts = dict.fromkeys(mono_langs, 0)
        staged = []
        for part in run(functools.partial(write_range, WriteJob(
                job, tuple(range_offsets), config, mono_langs,
                {u.group: u.source.lang for u in units})), range(plan["buckets"])):
            lengths.update(part.lengths)
            _add(split_counts, part.splits)
            _add(mono_counts, part.mono)
            staged.append((part.folder, part.hf_sizes))
        filter_reports = {s.name: _filter_report(config, s.filter_report)
                          for s in config.sources if s.filter_report}
        with atomic_dir(outdir, STAGE) as out:
            # Local processes even for --executor ray: these write the command's own output.
            tasks = assemble_tasks(staged, str(out), config,
                                   splits.names, mono_langs)
            figures = parallel_map(call, [
                functools.partial(card_figures, card_path, lengths, filter_reports), *tasks],
                workers=opts.workers)[0]
            files = sha256_files(str(out))

    pair_counts = pipelines[0]
    per_source = [{"name": u.source.name, "licence": u.source.licence,
                   "path": u.source.path or f"{u.source.src_path} + {u.source.tgt_path}",
                   "pairs": c["read"]} for u, c in zip(units, read) if not u.mono]
    mono_meta = [{"name": u.source.name, "licence": u.source.licence, "path": u.source.path,
                  "lang": u.source.lang, "counts": pipelines[u.pipeline]}
                 for u in units if u.mono]
    front = {
        "name": config.name,
        "languages": [config.src_lang, config.tgt_lang],
        "sources": per_source,
        "monolingual": mono_meta,
        "counts": {**pair_counts, "splits": split_counts, "monolingual": mono_counts},
        # the histograms are drawn beside the card, not copied into it
        "filters": {name: {k: rep.get(k) for k in ("filters", "input", "kept", "rejected")}
                    for name, rep in filter_reports.items()},
        "normalisation": "lrtk.text.normalize.normalize (NFC, language canonical forms, "
                         "stray zero-width characters removed), then every white space run "
                         "(line breaks and tabs included) made one space, ends stripped",
        "deduplication": {"exact": "identical normalised texts (pairs: both sides)",
                          "near": NEAR_DUPLICATE_RULE},
        "decontamination": {
            "rule": "a pair is removed if its source or target has the near-duplicate key "
                    "of an excluded sentence",
            "excluded_files": {p: _sha256_file(p) for p in excludes},
            "removed": pair_counts["near_dedup"] - pair_counts["decontaminated"]},
        "splits": {"spec": config.splits, "method": SPLIT_RULE},
        "lengths": lengths.as_dict(),
        "files": files,
        "command": command,
    }
    write_card(card_path, front, config, figures)
    return front


def _add(total: dict, counts: dict) -> None:
    """total[k] += counts[k] for every key of counts (the counts of a shard or a task)."""
    for k, v in counts.items():
        total[k] += v


@contextlib.contextmanager
def _scratch(path: str) -> Iterator[str]:
    """An empty folder for the merge's survivors and parts, removed afterwards; what a merge killed
    before the end left there is removed first."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _filter_report(config: CorpusConfig, path: str) -> dict:
    try:
        rep = json.load(open_lines(config.resolve(path)))
    except json.JSONDecodeError as e:
        raise DataError(f"not a JSON filter report: {e.msg}", path=path, line=e.lineno) from None
    if not isinstance(rep, dict) or "filters" not in rep:
        raise DataError("not a report of the filter stage (no 'filters')", path=path)
    return rep


def _sha256_file(path: str) -> str:
    return hashlib.sha256(read_bytes(path)).hexdigest()
