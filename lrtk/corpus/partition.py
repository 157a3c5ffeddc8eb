"""The parallel half of `lrtk corpus build`: read, normalise, key and partition.

The configured sources are read as one sequence of physical lines (pair sources, then
monolingual sources, in config order); a shard is a contiguous range of those lines. For
every entry that starts in its range a shard computes what deduplication, decontamination
and the splits need (the normalised texts, 64-bit digests of the exact and the
near-duplicate key, the contamination flag, the split hash) and files it under the bucket of
its near-duplicate key, so that an entry and all its duplicates meet in one bucket
(lrtk.corpus.dedup.first_occurrences decides there). Pair ids are filed by the digest of the
id, so that a reused id meets its first use. Nothing here depends on other shards.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from typing import Optional, Sequence

from lrtk.corpus.buckets import write_buckets
from lrtk.corpus.config import CorpusConfig, Source
from lrtk.corpus.dedup import fold
from lrtk.corpus.sources import parallel_mismatch, read_monolingual, read_pairs
from lrtk.io import write_json
from lrtk.parallel.keys import digest
from lrtk.parallel.plan import Shard, count_lines
from lrtk.text.normalize import normalize

ENTRIES, IDS, INDEX = "entries.txt", "ids.txt", "index.json"
# One bucket per this many input lines: the merge holds one bucket's keys at a time, so its
# memory stays about the same however large the input (up to MAX_BUCKETS buckets, which the
# merge keeps open at once).
BUCKET_LINES = 50000
MAX_BUCKETS = 512


def bucket_count(lines: int) -> int:
    return min(MAX_BUCKETS, max(1, -(-lines // BUCKET_LINES)))


@dataclasses.dataclass(frozen=True)
class Unit:
    """A configured source as the build reads it."""

    source: Source
    mono: bool
    pipeline: int  # whose counts: 0 for all pair sources together, then one per mono source
    group: int  # deduplicated together: 0 for pairs, then one per monolingual language
    path: str  # the file read: the source's own, or the spooled stdin
    offset: int = 0  # first line in the build's sequence of lines
    lines: int = 0

    def langs(self, config: CorpusConfig) -> tuple[str, ...]:
        return (self.source.lang,) if self.mono else (config.src_lang, config.tgt_lang)


def plan_units(config: CorpusConfig, stdin_copy: Optional[str] = None,
               counted: bool = False) -> list[Unit]:
    """Units in reading order; `counted`: with their line counts and offsets (parallel text
    files of different lengths are refused here, since a shard sees only its own lines)."""
    units, langs = [], {}
    sources = [(s, False) for s in config.sources] + [(s, True) for s in config.monolingual]
    offset = 0
    for i, (source, mono) in enumerate(sources):
        first = source.path or source.src_path
        path = stdin_copy if first == "-" else config.resolve(first)
        lines = count_lines(path) if counted else 0
        if counted and source.tgt_path:
            error = parallel_mismatch(config, source, lines,
                                      count_lines(config.resolve(source.tgt_path)))
            if error:
                raise error
        group = langs.setdefault(source.lang, len(langs) + 1) if mono else 0
        units.append(Unit(source, mono, i - len(config.sources) + 1 if mono else 0, group,
                          path, offset, lines))
        offset += lines
    return units


@dataclasses.dataclass(frozen=True)
class BuildJob:
    config: CorpusConfig
    units: tuple[Unit, ...]
    excluded: frozenset[str]  # near-duplicate keys of the --exclude sentences (a few MB)
    buckets: int


def normalised_texts(texts: Sequence[str], langs: Sequence[str]) -> tuple[str, ...]:
    """The segmenter's normaliser on every text, white space runs (line breaks and tabs too)
    made one space, so one text is always one line of a text file."""
    return tuple(" ".join(normalize(t, lang).split()) for t, lang in zip(texts, langs))


def split_hash(near_key: str) -> str:
    """The hash the splits go by (lrtk.corpus.split): sha256 of the near-duplicate key."""
    return hashlib.sha256(near_key.encode("utf-8")).hexdigest()


def partition_shard(job: BuildJob, shard: Shard, folder: str) -> None:
    """Key and file the entries that start on the shard's lines (see the module docstring).

    A keyed entry is one line: position, pipeline, group, exact digest, near digest,
    contaminated (0/1), split hash, then the JSON of [id, source, texts]."""
    config = job.config
    entries: list[list[str]] = [[] for _ in range(job.buckets)]
    ids: list[list[str]] = [[] for _ in range(job.buckets)]
    counts = {}
    for i, unit in enumerate(job.units):
        lo, hi = max(shard.start, unit.offset), min(shard.stop, unit.offset + unit.lines)
        if lo >= hi:
            continue
        reader = read_monolingual if unit.mono else read_pairs
        langs = unit.langs(config)
        read = kept = 0
        for e in reader(config, unit.source, (lo - unit.offset, hi - unit.offset), unit.path):
            pos = unit.offset + e.origin[1] - 1
            read += 1
            if not unit.mono:
                ids[digest(e.id) % job.buckets].append(
                    f"{pos}\t" + json.dumps([e.id, *e.origin, digest(*e.texts)],
                                            ensure_ascii=False))
            texts = normalised_texts(e.texts, langs)
            if not all(texts):
                continue
            kept += 1
            folds = [fold(t) for t in texts]
            near_key = "\t".join(folds)
            near = digest(near_key)
            contaminated = any(f in job.excluded for f in folds)
            entries[near % job.buckets].append("\t".join((
                str(pos), str(unit.pipeline), str(unit.group), str(digest(*texts)), str(near),
                str(int(contaminated)), "" if unit.mono else split_hash(near_key),
                json.dumps([e.id, e.source, texts], ensure_ascii=False))))
        counts[i] = {"read": read, "normalised": kept}
    write_json({"entries": write_buckets(os.path.join(folder, ENTRIES), entries),
                "ids": write_buckets(os.path.join(folder, IDS), ids),
                "counts": counts}, os.path.join(folder, INDEX))
