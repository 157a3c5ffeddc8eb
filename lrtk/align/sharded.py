"""`lrtk align` shard by shard: the same bytes for any --workers, --num-shards or executor.

Document pairs are aligned independently once the lexicon is fitted (lrtk.align.fit), so a
shard is the document pairs of a range of input lines. It loads the model and builds the
aligners once, aligns one document pair at a time and writes as it goes: its part of the
output, of every single aligner's beads (--save-aligners) and its counts. The merge joins
the parts in shard order.

Bead files separate documents by a blank line: every document's beads are written after a
blank line, and the merge drops the first one, so the parts join into the bytes of one run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from typing import IO, Iterator, Optional, Sequence

from lrtk.align.build import AlignerOptions, Lexicon, build_aligners
from lrtk.align.fit import ModelFile
from lrtk.align.inputs import AlignInput
from lrtk.memory import keep_freed_memory
from lrtk.align.runner import AlignStats, align_documents, pair_records
from lrtk.io import atomic_output, write_json
from lrtk.io.records import dumps
from lrtk.parallel import concat
from lrtk.parallel.plan import Shard

OUTPUT, STATS = "output", "stats.json"


@dataclasses.dataclass(frozen=True)
class AlignJob:
    source: AlignInput
    names: tuple[str, ...]
    opts: AlignerOptions
    model: Optional[str]  # the fitted lexicon; None when no aligner uses one
    min_votes: int
    max_chars: int
    output_format: str  # jsonl or beads
    save_aligners: bool
    first_translations: tuple[int, ...]  # per shard: its first line of --translations

    def lexicon(self) -> Lexicon:
        if self.model is None:
            return Lexicon(None, False)
        return ModelFile(self.model, self.source.src_lang, self.source.tgt_lang,
                         self.opts).load()


def aligner_part(name: str) -> str:
    return f"{name}.beads"


def align_shard(job: AlignJob, shard: Shard, folder: str) -> None:
    """The shard task: align the shard's document pairs into its folder (module docstring)."""
    keep_freed_memory()
    with one_blas_thread():
        docs: Sequence = []
        if "translation" in job.names:
            # The translations of a shard are read (or made by --translate-cmd) at once.
            docs = list(job.source.read(shard.start, shard.stop))
        aligners = build_aligners(job.names, docs, job.opts, job.source.src_lang,
                                  job.lexicon(), job.first_translations[shard.index])
        stats = AlignStats()
        results = align_documents(docs or job.source.read(shard.start, shard.stop), aligners,
                                  job.min_votes, stats)
        singles = [aligner_part(a.name) for a in aligners] if job.save_aligners else []
        with _outputs(folder, [OUTPUT, *singles]) as files:
            for result in results:
                if job.output_format == "beads":
                    _write_document(files[OUTPUT], [v.bead for v in result.ensemble])
                else:
                    for rec in pair_records(result, job.max_chars, stats):
                        files[OUTPUT].write(dumps(rec) + "\n")
                for name, beads in result.single.items():
                    if job.save_aligners:
                        _write_document(files[aligner_part(name)], [sb.bead for sb in beads])
    write_json(stats.as_dict(), os.path.join(folder, STATS))


def _write_document(fh: IO, beads) -> None:
    fh.write("\n")
    for bead in beads:
        fh.write(bead.format() + "\n")


@contextlib.contextmanager
def _outputs(folder: str, names: list[str]) -> Iterator[dict[str, IO]]:
    with contextlib.ExitStack() as stack:
        yield {n: stack.enter_context(atomic_output(os.path.join(folder, n))) for n in names}


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread: shards already use every core, and a BLAS thread pool per worker
    process oversubscribes them (it made align several times slower); one thread also keeps
    the summation order, so the costs, the same in every worker, executor and machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def merge_parts(folders: list[str], beads: bool, output: str,
                save_aligners: Optional[str], names: Sequence[str]) -> AlignStats:
    """Join finished shard folders (in shard order) into the run's outputs; their counts."""
    stats = AlignStats()
    for folder in folders:
        with open(os.path.join(folder, STATS), encoding="utf-8") as fh:
            stats.absorb(json.load(fh))
    skip = 1 if beads else 0  # the blank line before the first document
    concat([os.path.join(f, OUTPUT) for f in folders], output, skip=skip)
    if save_aligners:
        for name in names:
            concat([os.path.join(f, aligner_part(name)) for f in folders],
                   os.path.join(save_aligners, aligner_part(name)), skip=1)
    return stats
