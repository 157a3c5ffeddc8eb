"""`lrtk filter` over a file in bounded memory: one shard of the input at a time.

A shard task reads its lines of the input (plus what it needs from before and after them:
the duplicate keys of earlier pairs and one neighbouring pair on each side), judges them block
by block with the fitted chain and writes into its shard folder

    kept.jsonl  rejects.jsonl  stats.json  scores.npz  keys.npz

keys.npz holds the duplicate keys of the shard's pairs and its line range: a later shard
takes the keys of every earlier shard that left them instead of parsing those lines again
(parsing and hashing every line before it made the last of K shards do K times the work of
the first). The keys depend on the input alone, so any complete file is right to use; a
file being written is not there yet (atomic rename), and those lines are parsed as before.

`merge` joins the folders of all shards into the output, rejects and report, exactly as one
process judging the whole input would have written them.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import zipfile
from array import array
from typing import Iterator, Optional

import numpy as np

from lrtk.memory import keep_freed_memory
from lrtk.errors import DataError, UsageError
from lrtk.filter.base import Block, Pair
from lrtk.filter.chain import FilterChain, Statistics, histogram
from lrtk.filter.config import chain_for
from lrtk.filter.duplicate import pair_key
from lrtk.io.atomic import atomic_output, write_json
from lrtk.io.lines import read_lines
from lrtk.io.progress import warn
from lrtk.io.records import Record, dumps, parse_record
from lrtk.io.schema import SENTENCE_PAIR, check_record_language
from lrtk.parallel import Shard, concat
from lrtk.parallel.keys import SeenKeys

KEPT, REJECTS, STATS, SCORES, KEYS = ("kept.jsonl", "rejects.jsonl", "stats.json", "scores.npz",
                                     "keys.npz")
# Without a duplicate filter only the last non-blank lines before a shard are parsed, to find
# its neighbouring pair; this many allows for bad records skipped in between.
LOOKBACK = 1000


@dataclasses.dataclass(frozen=True)
class FilterJob:
    """Everything a shard task needs: picklable, the same for every shard of a run."""

    input: str
    name: str  # the input as error messages name it ('<stdin>' for a spooled stdin)
    config: Optional[str]
    src_lang: str
    tgt_lang: str
    lang_sources: tuple[str, str]  # where each language came from, for error messages
    skip_bad: bool
    model: Optional[str]  # path of the fitted model (lrtk.filter.model), None if none learns

    def chain(self) -> FilterChain:
        chain = chain_for(self.config, self.src_lang, self.tgt_lang)
        if self.model:
            from lrtk.filter.model import load_model

            chain.load_state(load_model(self.model, chain, self.src_lang, self.tgt_lang))
        return chain

    def check(self, rec: Record) -> None:
        for field, lang, source in (("src_lang", self.src_lang, self.lang_sources[0]),
                                    ("tgt_lang", self.tgt_lang, self.lang_sources[1])):
            check_record_language(rec, field, rec.get(field), lang, source)


def record_at(name: str, lineno: int, text: str, *, strict: bool,
              skip_bad: bool = False) -> Optional[Record]:
    """The sentence-pair record on a line, or None (blank, or bad and not `strict`).

    Strict: a bad record raises, or under --skip-bad is skipped with a warning (the shard
    that owns a line is the one to report it).
    """
    if not text.strip():
        return None
    try:
        return SENTENCE_PAIR.validate(parse_record(text, name, lineno))
    except DataError as err:
        if not strict:
            return None
        if not skip_bad:
            raise
        warn(f"skipped {err.marked()}")  # its parameters spelled as the user's flags
        return None


def first_record(path: str, name: str, skip_bad: bool) -> Optional[Record]:
    """The first good record of the input (it sets the languages when no option does)."""
    for lineno, text in read_lines(path):
        rec = record_at(name, lineno, text, strict=not skip_bad)
        if rec is not None:
            return rec
    return None


def _pair(rec: Record) -> Pair:
    return Pair(rec["src"], rec["tgt"])


class _ShardReader:
    """The shard's records in blocks, each with its neighbours and duplicate flags."""

    def __init__(self, job: FilterJob, shard: Shard, folder: str, dedup: bool):
        self.job, self.shard = job, shard
        self.skipped = 0
        self._lines = read_lines(job.input)
        self._next: Optional[tuple[int, Record]] = None
        keys, self.before = self._prefix(folder, dedup)
        self.seen = SeenKeys(keys) if dedup else None
        self.own_keys = array("Q")  # of the shard's pairs, for later shards (KEYS)
        self._records = self._owned()

    def _prefix(self, folder: str, dedup: bool) -> tuple[array, Optional[Pair]]:
        """Keys of every earlier pair (for duplicates) and the pair just before the shard."""
        keys = array("Q")
        known = _earlier_keys(folder, self.shard.start, keys) if dedup else []
        tail: collections.deque = collections.deque(maxlen=LOOKBACK)
        for lineno, text in self._lines:
            if lineno > self.shard.start:
                self._pending = (lineno, text)
                break
            while known and lineno > known[0][1]:  # 0-based line lineno - 1 is past it
                known.pop(0)
            if dedup and not (known and known[0][0] < lineno):
                rec = record_at(self.job.name, lineno, text, strict=False)
                if rec is not None:
                    keys.append(pair_key(_pair(rec)))
            if text.strip():
                tail.append((lineno, text))
        else:
            self._pending = None
        for lineno, text in reversed(tail):
            rec = record_at(self.job.name, lineno, text, strict=False)
            if rec is not None:
                return keys, _pair(rec)
        return keys, None

    def _owned(self) -> Iterator[tuple[int, Record]]:
        """(0-based line, record) of the shard's lines, then the first good record after it."""
        def lines():
            if self._pending is not None:
                yield self._pending
                yield from self._lines

        for lineno, text in lines():
            mine = lineno <= self.shard.stop
            rec = record_at(self.job.name, lineno, text, strict=mine,
                            skip_bad=self.job.skip_bad)
            if rec is None:
                self.skipped += mine and bool(text.strip())
                continue
            if mine:
                self.job.check(rec)
            yield lineno - 1, rec
            if not mine:
                return

    def blocks(self) -> Iterator[tuple[list[Record], Block]]:
        peek = next(self._records, None)
        for _, hi in self.shard.blocks:
            recs = []
            while peek is not None and peek[0] < hi:
                recs.append(peek[1])
                peek = next(self._records, None)
            pairs = [_pair(r) for r in recs]
            seen = None
            if self.seen:
                block_keys = [pair_key(p) for p in pairs]
                self.own_keys.extend(block_keys)
                seen = self.seen.check_add(block_keys)
            after = _pair(peek[1]) if peek is not None else None
            yield recs, Block(pairs, self.before, after, seen)
            if pairs:
                self.before = pairs[-1]


def _earlier_keys(folder: str, start: int, keys: array) -> list[tuple[int, int]]:
    """Add to `keys` those that shards before line `start` left in the work folder (KEYS);
    the (start, stop) line ranges they cover, in order."""
    work = os.path.dirname(folder)
    covered = []
    for name in sorted(os.listdir(work)):
        path = os.path.join(work, name, KEYS)
        if os.path.join(work, name) == folder or not os.path.exists(path):
            continue
        try:
            with np.load(path) as saved:
                lo, hi, found = int(saved["start"]), int(saved["stop"]), saved["keys"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            # Removed, replaced or damaged: those lines are parsed instead.
            continue
        if hi <= start:
            keys.frombytes(found.astype(np.uint64).tobytes())
            covered.append((lo, hi))
    return sorted(covered)


def run_shard(job: FilterJob, shard: Shard, folder: str) -> None:
    """The shard task: judge the shard's pairs and write its folder (module docstring)."""
    keep_freed_memory()  # every block's arrays reuse the last one's pages (lrtk.memory)
    chain = job.chain()
    stats = Statistics([f.name for f in chain.filters])
    dedup = any(f.name == "duplicate" for f in chain.filters)
    reader = _ShardReader(job, shard, folder, dedup)
    with atomic_output(os.path.join(folder, KEPT)) as kept, \
            atomic_output(os.path.join(folder, REJECTS)) as rejected:
        for recs, block in reader.blocks():
            outcomes = chain.apply(block)
            stats.add(outcomes)
            for rec, out in zip(recs, outcomes):
                if out.kept:
                    kept.write(dumps(rec) + "\n")
                else:
                    rejected.write(dumps({**rec, "rejected_by": out.rejected_by,
                                          "scores": out.scores}) + "\n")
    with atomic_output(os.path.join(folder, SCORES), binary=True) as fh:
        np.savez(fh, **{k: np.frombuffer(v) for k, v in stats.values.items()})
    if dedup:
        with atomic_output(os.path.join(folder, KEYS), binary=True) as fh:
            np.savez(fh, keys=np.frombuffer(reader.own_keys, dtype=np.uint64),
                     start=shard.start, stop=shard.stop)
    write_json({**stats.counts(), "skipped_bad": reader.skipped, "filters": chain.describe()},
               os.path.join(folder, STATS))


def merge(folders: list[str], src_lang: str, tgt_lang: str, output: str,
          rejects: Optional[str], report: Optional[str]) -> dict:
    """Join finished shard folders (in shard order) into the run's outputs; the summary."""
    parts = []
    for folder in folders:
        with open(os.path.join(folder, STATS), encoding="utf-8") as fh:
            parts.append(json.load(fh))
    if any(p["filters"] != parts[0]["filters"] for p in parts):
        raise UsageError("the shards were filtered with different chains",
                         path=os.path.dirname(folders[0]), hint="rerun them with one config")
    rejected = {name: sum(p["rejected"][name] for p in parts) for name in parts[0]["rejected"]}
    summary = {"src_lang": src_lang, "tgt_lang": tgt_lang,
               "skipped_bad": sum(p["skipped_bad"] for p in parts),
               "input": sum(p["input"] for p in parts), "kept": sum(p["kept"] for p in parts),
               "rejected": rejected, "filters": parts[0]["filters"],
               "histograms": _histograms(folders)}
    # Side files first: if one cannot be written, the pipe downstream gets nothing rather
    # than a stream whose rejects went missing.
    if rejects:
        concat([os.path.join(f, REJECTS) for f in folders], rejects)
    if report:
        write_json(summary, report)
    concat([os.path.join(f, KEPT) for f in folders], output)
    return summary


def _histograms(folders: list[str]) -> dict:
    """Histograms over all shards, one score at a time (memory: one score's values)."""
    archives = [np.load(os.path.join(f, SCORES)) for f in folders]
    names = sorted({name for a in archives for name in a.files})
    out = {name: histogram([a[name] for a in archives if name in a.files]) for name in names}
    for a in archives:
        a.close()
    return out
