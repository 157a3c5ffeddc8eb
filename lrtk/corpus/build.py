"""`lrtk corpus build`: sources -> normalise -> dedup -> decontaminate -> split -> outputs,
in memory that does not grow with the corpus, on every core, or as shards of a cluster job.

1. Partition (lrtk.corpus.partition, one task per shard of the input lines, run by
   lrtk.parallel like filter and segment): normalise, key, and file every entry under the
   bucket of its near-duplicate key.
2. Merge: per bucket, keep the first occurrence of each key in input order
   (lrtk.corpus.dedup.first_occurrences); the buckets' survivors, each in input order, are
   merged back into input order (heapq.merge) and streamed into the split files, the
   Hugging Face dataset and the card's statistics. Fixed-size splits take one more pass over
   the survivors first (lrtk.corpus.split).

Each step decides an entry from the entries before it in input order only, so the bytes are
the same for any worker count, shard count or executor. The output directory is assembled
in a temporary sibling and renamed into place at the end (lrtk.io.atomic_dir), so a failed
build never leaves a half-written corpus or damages the previous one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import heapq
import itertools
import json
import os
import shutil
from typing import Iterator, Optional, Sequence

from lrtk.corpus.buckets import read_bucket
from lrtk.corpus.card import CorpusLengths, write_card
from lrtk.corpus.config import CorpusConfig
from lrtk.corpus.decontaminate import excluded_keys
from lrtk.corpus.dedup import NEAR_DUPLICATE_RULE, STEPS, first_occurrences
from lrtk.corpus.partition import (ENTRIES, IDS, INDEX, BuildJob, bucket_count, partition_shard,
                                   plan_units)
from lrtk.corpus.sources import Entry
from lrtk.corpus.split import SPLIT_RULE, Splits
from lrtk.corpus.writer import CorpusWriter, sha256_files
from lrtk.errors import DataError, UsageError, param
from lrtk.io import atomic_dir
from lrtk.io.lines import open_lines, read_bytes
from lrtk.io.progress import progress
from lrtk.io.schema import UniqueIds
from lrtk.parallel import plan_shards
from lrtk.parallel.run import ShardOptions, input_fingerprint, merge_only, run_stage, work_folder
from lrtk.parallel.workdir import content_hash, file_fingerprint

STAGE = "corpus build"
# Without --num-shards, shards of this many input lines: enough shards for every worker on
# a mid-sized corpus; each holds its own keyed entries (about 1 KB a line) until written.
LINES_PER_SHARD = 10000
MERGE_DIR = "merge"  # in the work folder: each bucket's survivors while the merge runs


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
        front.update(_merge(config, outdir, excludes, card_path, command, folders, plan))

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
    return {"stage": STAGE, **_identity(config, excludes), "inputs": inputs, "buckets": buckets}


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
           command: str, folders: list[str], plan: dict) -> dict:
    units = plan_units(config)
    indexes = []
    for folder in folders:
        with open(os.path.join(folder, INDEX), encoding="utf-8") as fh:
            indexes.append(json.load(fh))
    _check_ids(folders, indexes, plan["buckets"])
    read = [dict.fromkeys(("read", "normalised"), 0) for _ in units]
    for index in indexes:
        for i, c in index["counts"].items():
            for k, v in c.items():
                read[int(i)][k] += v
    pipelines = [dict.fromkeys(STEPS, 0) for _ in range(1 + len(config.monolingual))]
    for unit, c in zip(units, read):
        for k, v in c.items():
            pipelines[unit.pipeline][k] += v
    mono_langs = list(dict.fromkeys(s.lang for s in config.monolingual))
    splits = Splits(config.splits)
    lengths = CorpusLengths(config, splits.names, mono_langs)
    with _scratch(os.path.join(os.path.dirname(folders[0]), MERGE_DIR)) as tmp:
        kept = _deduplicated(folders, indexes, plan["buckets"], pipelines, tmp)
        if splits.fixed:
            with _in_input_order(kept) as entries:
                splits.choose_fixed((h, e.id, pos) for pos, group, h, e in entries if not group)
        with atomic_dir(outdir, STAGE) as out, _in_input_order(kept) as entries:
            split_counts, mono_counts = _write(str(out), config, entries, splits, mono_langs,
                                               {u.group: u.source.lang for u in units}, lengths)
            files = sha256_files(str(out))

    pair_counts = pipelines[0]
    per_source = [{"name": u.source.name, "licence": u.source.licence,
                   "path": u.source.path or f"{u.source.src_path} + {u.source.tgt_path}",
                   "pairs": c["read"]} for u, c in zip(units, read) if not u.mono]
    mono_meta = [{"name": u.source.name, "licence": u.source.licence, "path": u.source.path,
                  "lang": u.source.lang, "counts": pipelines[u.pipeline]}
                 for u in units if u.mono]
    filter_reports = {s.name: _filter_report(config, s.filter_report)
                      for s in config.sources if s.filter_report}
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
    write_card(card_path, front, config, lengths, filter_reports)
    return front


def _deduplicated(folders: list[str], indexes: list[dict], buckets: int,
                  pipelines: list[dict], tmp: str) -> list[str]:
    """Each bucket's survivors (in input order) in a file of `tmp`; their paths."""
    kept = []
    for b in progress(range(buckets), desc="dedup", unit="bucket"):
        lines = itertools.chain.from_iterable(
            read_bucket(os.path.join(f, ENTRIES), index["entries"], b)
            for f, index in zip(folders, indexes))
        kept.append(os.path.join(tmp, f"{b:05d}.txt"))
        with open(kept[-1], "w", encoding="utf-8") as fh:
            fh.writelines(line + "\n" for line in first_occurrences(lines, pipelines))
    return kept


def _write(out: str, config: CorpusConfig, entries, splits: Splits, mono_langs: list[str],
           lang_of: dict[int, str], lengths: CorpusLengths) -> tuple[dict, dict]:
    """The survivors into the output folder and the length statistics; the entries per
    split and per monolingual language."""
    split_counts = dict.fromkeys(splits.names, 0)
    mono_counts = dict.fromkeys(mono_langs, 0)
    writer = CorpusWriter(out, config, splits.names, mono_langs)
    for pos, group, h, e in progress(entries, desc="write"):
        if group:
            lang = lang_of[group]
            writer.add_mono(lang, e.texts[0])
            lengths.add_mono(lang, e.texts[0])
            mono_counts[lang] += 1
        else:
            split = splits.of(h, pos)
            writer.add_pair(split, e)
            lengths.add_pair(split, e.texts)
            split_counts[split] += 1
    writer.close()
    return split_counts, mono_counts


@contextlib.contextmanager
def _scratch(path: str) -> Iterator[str]:
    """An empty folder for the merge's survivors, removed afterwards; what a merge killed
    before the end left there is removed first."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def _in_input_order(paths: Sequence[str]) -> Iterator[Iterator[tuple[int, int, str, Entry]]]:
    """(position, group, split hash, entry) of the buckets' survivors, in input order: each
    bucket's file is in input order, so a k-way merge restores the order of the input."""
    with contextlib.ExitStack() as stack:
        files = [stack.enter_context(open(p, encoding="utf-8")) for p in paths]

        def parsed(fh):
            for line in fh:
                pos, _, group, _, _, _, h, rest = line.split("\t", 7)
                ident, source, texts = json.loads(rest)
                yield int(pos), int(group), h, Entry(ident, source, tuple(texts))

        yield heapq.merge(*map(parsed, files), key=lambda item: item[0])


def _check_ids(folders: list[str], indexes: list[dict], buckets: int) -> None:
    """Pair ids are written out, so they must be unique across all sources. A pair repeated
    as read (same id, same texts) is fine: exact deduplication keeps one. An id and its reuse
    share a bucket; the error is the reuse that comes first in the input."""
    first: Optional[tuple[int, DataError]] = None
    for b in range(buckets):
        ids = UniqueIds("pair")
        for line in itertools.chain.from_iterable(
                read_bucket(os.path.join(f, IDS), index["ids"], b)
                for f, index in zip(folders, indexes)):
            pos, rest = line.split("\t", 1)
            if first and int(pos) > first[0]:
                break
            ident, path, lineno, content = json.loads(rest)
            try:
                ids.add(ident, path, lineno, content=content)
            except DataError as e:
                first = (int(pos), e)
                break
    if first:
        raise first[1]


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
