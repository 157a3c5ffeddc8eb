"""The merge of `lrtk corpus build`, in two parallel steps and a concatenation.

1. Per bucket (dedup_bucket): check the pair ids, keep the first occurrence of each key
   (lrtk.corpus.dedup.first_occurrences) and write the survivors, in input order, cut at the
   bounds of the ranges of step 2; for fixed-size splits, the bucket's smallest hashes.
2. Per range of input positions (write_range): merge that range of every bucket's survivors
   back into input order (heapq.merge) and write the range's part of every output file
   (lrtk.corpus.writer.CorpusWriter) and its length statistics.
3. The parts are concatenated in range order (lrtk.corpus.writer.assemble).

Every bucket and every range is a task of its own (lrtk.parallel.executor.parallel_results), so
the merge uses the workers as the shards do. Buckets and ranges depend on the input only,
and each task's output is a function of its inputs, so the bytes do not depend on the
worker count or the executor.
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
import itertools
import json
import os
from typing import Iterable, Iterator, Optional, Sequence

from lrtk.corpus.buckets import read_bucket, write_buckets
from lrtk.corpus.card import CorpusLengths
from lrtk.corpus.config import CorpusConfig
from lrtk.corpus.dedup import STEPS, first_occurrences
from lrtk.corpus.partition import ENTRIES, IDS
from lrtk.corpus.sources import Entry
from lrtk.corpus.split import Splits
from lrtk.corpus.writer import CorpusWriter
from lrtk.errors import DataError
from lrtk.io.atomic import detached
from lrtk.io.schema import UniqueIds


@dataclasses.dataclass(frozen=True)
class MergeJob:
    folders: tuple[str, ...]  # the shard folders, in shard order
    offsets: dict  # "entries", "ids": (shard, bucket) -> where the bucket starts in that file
    pipelines: int  # how many pipelines count (all pairs, then each monolingual source)
    range_starts: tuple[int, ...]  # first input position of every range, then the end
    splits: Splits
    tmp: str  # the merge's scratch folder

    def survivors(self, bucket: int) -> str:
        return os.path.join(self.tmp, f"kept-{bucket:05d}.txt")


@dataclasses.dataclass
class Bucket:
    """What dedup_bucket found in one bucket, besides the survivors it wrote."""

    reused_id: Optional[tuple[int, DataError]]  # the first reuse of a pair id: position, error
    counts: list[dict]  # per pipeline, the entries left after each dedup step
    offsets: list[int]  # of every range in the survivors' file, and its end
    candidates: Optional[tuple[list, int]]  # fixed-size splits: Splits.candidates


def dedup_bucket(job: MergeJob, bucket: int) -> Bucket:
    counts = [dict.fromkeys(STEPS[2:], 0) for _ in range(job.pipelines)]
    kept = list(first_occurrences(_bucket_lines(job, ENTRIES, "entries", bucket), counts))
    candidates = None
    if job.splits.fixed:
        pairs = (line.split("\t", 7) for line in kept)
        candidates = job.splits.candidates(
            (h, json.loads(rest)[0], int(pos)) for pos, _, group, _, _, _, h, rest in pairs
            if group == "0")
    with detached():  # scratch, not an output of the command: on disk for write_range
        offsets = write_buckets(job.survivors(bucket), _by_range(kept, job.range_starts))
    return Bucket(_reused_id(job, bucket), counts, offsets, candidates)


def _bucket_lines(job: MergeJob, name: str, key: str, bucket: int) -> Iterator[str]:
    """One bucket's lines of every shard, in shard order, i.e. in input order."""
    return itertools.chain.from_iterable(
        read_bucket(os.path.join(f, name), offsets, bucket)
        for f, offsets in zip(job.folders, job.offsets[key]))


def _by_range(lines: Sequence[str], starts: Sequence[int]) -> Iterator[list[str]]:
    """The lines (in input order) of every range in turn, empty ones included."""
    positions = [int(line.split("\t", 1)[0]) for line in lines]
    lo = 0
    for stop in starts[1:]:
        hi = bisect.bisect_left(positions, stop, lo)
        yield lines[lo:hi]
        lo = hi


def _reused_id(job: MergeJob, bucket: int) -> Optional[tuple[int, DataError]]:
    """Pair ids are written out, so they must be unique across all sources. A pair repeated
    as read (same id, same texts) is fine: exact deduplication keeps one. An id and its reuse
    share a bucket; the first reuse in the bucket, with its position."""
    ids = UniqueIds("pair")
    for line in _bucket_lines(job, IDS, "ids", bucket):
        pos, rest = line.split("\t", 1)
        ident, path, lineno, content = json.loads(rest)
        try:
            ids.add(ident, path, lineno, content=content)
        except DataError as e:
            return int(pos), e
    return None


def first_reused_id(found: Iterable[Optional[tuple[int, DataError]]]) -> Optional[DataError]:
    """The reuse of a pair id that comes first in the input, of every bucket's
    Bucket.reused_id."""
    found = [f for f in found if f]
    return min(found, key=lambda f: f[0])[1] if found else None


@dataclasses.dataclass(frozen=True)
class WriteJob:
    merge: MergeJob
    offsets: tuple[list[int], ...]  # Bucket.offsets of every bucket
    config: CorpusConfig
    mono_langs: tuple[str, ...]
    lang_of: dict  # group -> language of the monolingual groups

    def part(self, index: int) -> str:
        return os.path.join(self.merge.tmp, f"part-{index:05d}")


@dataclasses.dataclass
class Part:
    """What write_range wrote: the counts of the card and the staged dataset rows."""

    folder: str
    splits: dict  # entries per split
    mono: dict  # entries per monolingual language
    lengths: CorpusLengths
    hf_sizes: dict  # split -> (rows, bytes) staged for the dataset


def write_range(job: WriteJob, index: int) -> Part:
    """Range `index` of the survivors, in input order, into its part of every output."""
    config, splits = job.config, job.merge.splits
    folder = job.part(index)
    os.makedirs(folder, exist_ok=True)  # a task that Ray retries writes it again
    split_counts = dict.fromkeys(splits.names, 0)
    mono_counts = dict.fromkeys(job.mono_langs, 0)
    lengths = CorpusLengths(config, splits.names, job.mono_langs)
    writer = CorpusWriter(folder, config, splits.names, job.mono_langs)
    for pos, group, h, e in _in_input_order(job, index):
        if group:
            lang = job.lang_of[group]
            writer.add_mono(lang, e.texts[0])
            lengths.add_mono(lang, e.texts[0])
            mono_counts[lang] += 1
        else:
            split = splits.of(h, pos)
            writer.add_pair(split, e)
            lengths.add_pair(split, e.texts)
            split_counts[split] += 1
    writer.close()
    return Part(folder, split_counts, mono_counts, lengths,
                {name: (rows.count, rows.nbytes) for name, rows in writer.hf.items()})


def _in_input_order(job: WriteJob, index: int) -> Iterator[tuple[int, int, str, Entry]]:
    """(position, group, split hash, entry) of the range's survivors of every bucket, in
    input order: each bucket's part is in input order, so a k-way merge restores it."""
    def parsed(bucket: int) -> Iterator[tuple[int, int, str, Entry]]:
        for line in read_bucket(job.merge.survivors(bucket), job.offsets[bucket], index):
            pos, _, group, _, _, _, h, rest = line.split("\t", 7)
            ident, source, texts = json.loads(rest)
            yield int(pos), int(group), h, Entry(ident, source, tuple(texts))

    return heapq.merge(*map(parsed, range(len(job.offsets))), key=lambda item: item[0])
