"""`lrtk segment` shard by shard: the same bytes for any --workers, --num-shards or executor.

Documents are independent, so a shard is simply the documents that start on its lines; each
shard writes its part of the output and its counts, and the merge joins the parts in order.
Reading stdin straight into stdout, without shard options, streams as before.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from typing import IO, BinaryIO, Optional

from lrtk.io import atomic_output, write_json
from lrtk.io.lines import LineIndex
from lrtk.io.progress import counted, info, progress
from lrtk.parallel import concat, count_lines, plan_shards
from lrtk.parallel.merge import append
from lrtk.parallel.plan import Shard
from lrtk.parallel.run import ShardOptions, input_fingerprint, merge_only, run_stage, work_folder
from lrtk.text.documents import SegmentStats, read_documents, segment_documents, write_segmented

PART, STATS = "part.out", "stats.json"
# Documents need no batch: a shard may end on any line. Without --num-shards, shards of at
# most this many lines and (when the shards can seek) bytes: see
# lrtk.parallel.plan.BLOCKS_PER_SHARD for the trade-off. Documents are long lines (a 1M-pair
# corpus as 50,000 documents is 230 MB), so lines alone made one shard of it, one worker.
LINES_PER_SHARD = 50000
BYTES_PER_SHARD = 16 << 20


@dataclasses.dataclass(frozen=True)
class SegmentJob:
    input: str
    name: str  # the input as messages name it
    fmt: str
    out_fmt: str
    lang: str
    normalize: bool
    skip_bad: bool

    def run(self, fh: IO, lines: Optional[tuple[int, int]] = None,
            index: Optional[LineIndex] = None) -> SegmentStats:
        """Segment the documents of `lines` (all without; `index`: the input's, to seek with)
        into the open handle."""
        from lrtk.text import get_segmenter

        stats = SegmentStats(lang=self.lang, normalize=self.normalize)
        docs = read_documents(self.input, self.fmt, self.lang, stats, skip_bad=self.skip_bad,
                              lines=lines, index=index, name=self.name)
        records = segment_documents(progress(docs, desc="segment", unit="doc") if not lines
                                    else docs, get_segmenter(self.lang), stats,
                                    normalize_text=self.normalize)
        write_segmented(records, fh, self.out_fmt)
        return stats


def segment_shard(job: SegmentJob, index: Optional[LineIndex], shard: Shard,
                  folder: str) -> None:
    with atomic_output(os.path.join(folder, PART)) as fh:
        stats = job.run(fh, (shard.start, shard.stop), index)
    write_json(stats.state(), os.path.join(folder, STATS))


class _InOrder:
    """Appends the shards' parts to the open output in shard order as they finish: the
    parent joins them while the workers still run, instead of after the last one. Parts of
    a temporary work folder are removed once joined (freeing their pages takes a while
    too); those of a --work-dir stay, for a later --merge."""

    def __init__(self, out: BinaryIO, count: int, keep: bool):
        self.out, self.keep = out, keep
        self.parts: list[Optional[str]] = [None] * count
        self.joined = 0

    def __call__(self, shard: Shard, folder: str) -> None:
        self.parts[shard.index] = os.path.join(folder, PART)
        while self.joined < len(self.parts) and self.parts[self.joined]:
            append(self.parts[self.joined], self.out)
            if not self.keep:
                os.unlink(self.parts[self.joined])
            self.joined += 1


def run_segment(job: SegmentJob, output: str, report: Optional[str],
                opts: ShardOptions) -> None:
    def merged(folders: list[str], plan: dict, joined: bool = False) -> None:
        stats = SegmentStats(lang=plan["lang"], normalize=plan["normalize"])
        for folder in folders:
            with open(os.path.join(folder, STATS), encoding="utf-8") as fh:
                stats.absorb(json.load(fh))
        if not joined:
            concat([os.path.join(f, PART) for f in folders], output)
        _finish(stats, report)

    opts.check(job.input)
    if opts.merge_only:
        return merge_only(opts, "segment", merged)
    sharded = opts.work_dir or opts.num_shards or opts.executor != "local"
    if job.input == "-" and not sharded:
        with atomic_output(output) as fh:  # a pipe: stream, as documents arrive
            stats = job.run(fh)
        return _finish(stats, report)
    with work_folder(opts, job.input, "segment") as (folder, path):
        given = job.input
        job = dataclasses.replace(job, input=path)
        # A .gz cannot seek: its shards pass over the lines before theirs.
        index = LineIndex(path) if LineIndex.seekable(path) else None
        n = index.lines if index else count_lines(path)
        count = (opts.num_shards or max(-(-n // LINES_PER_SHARD),
                                        -(-index.size // BYTES_PER_SHARD) if index else 0) or 1)
        # One block per shard: documents need no batches.
        shards = plan_shards(n, -(-n // count) or 1, count)
        fingerprint = {"stage": "segment", "input": input_fingerprint(given, path),
                       **{k: v for k, v in dataclasses.asdict(job).items()
                          if k not in ("input", "name")}}
        task = functools.partial(segment_shard, job, index)
        if opts.shard_index is not None:  # one shard of a cluster run: nothing to join
            return run_stage(opts, folder, fingerprint, shards, task, merged)
        with atomic_output(output, binary=True) as out:
            run_stage(opts, folder, fingerprint, shards, task,
                      functools.partial(merged, joined=True),
                      _InOrder(out, len(shards), keep=opts.work_dir is not None))


def _finish(stats: SegmentStats, report: Optional[str]) -> None:
    summary = stats.as_dict()
    info(f"segment: {counted(summary['documents'], 'document')}, "
         f"{counted(summary['sentences'], 'sentence')} "
         f"(mean {summary['mean_sentence_chars']} chars)"
         + (f", {summary['skipped']} skipped" if summary["skipped"] else ""))
    if report:
        write_json(summary, report)
