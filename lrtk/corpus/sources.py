"""Reading the configured sources into entries: sentence pairs or monolingual sentences.

Every reader takes `lines`, a 0-based [start, stop) range of the file's physical lines (of
the source file for parallel text): a shard reads only the entries that start there, and
skips the lines before without parsing them where the format allows.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Iterable, Iterator, Optional

from lrtk.corpus.config import CorpusConfig, Source
from lrtk.errors import DataError
from lrtk.io import read_records
from lrtk.io.lines import display_name, read_lines
from lrtk.io.records import Record, RecordReader
from lrtk.io.schema import (SENTENCE_PAIR, TEXT_PAIR, check_record_language, record_id,
                            text_record)

Lines = Optional[tuple[int, int]]


@dataclasses.dataclass
class Entry:
    """One unit of the corpus: `texts` is (src, tgt) for a pair, (text,) for a sentence;
    `origin` is where it was read (file, line), for errors that name it."""

    id: str
    source: str
    texts: tuple[str, ...]
    origin: tuple[str, int] = ("<memory>", 0)


def _numbered(path: str, lines: Lines) -> Iterator[tuple[int, str]]:
    start, stop = lines or (0, None)
    return itertools.islice(read_lines(path), start, stop)


def _within(records: Iterable[Record], lines: Lines) -> Iterator[Record]:
    """The records of a reader without a line range of its own (TSV) that start in `lines`."""
    start, stop = lines or (0, float("inf"))
    for rec in records:
        if rec.line > stop:
            return
        if rec.line > start:
            yield rec


def read_pairs(config: CorpusConfig, source: Source, lines: Lines = None,
               path: Optional[str] = None) -> Iterator[Entry]:
    """`path` replaces the source's own (a spooled stdin), which errors still name."""
    if source.src_path:
        yield from _parallel_text(config, source, lines)
        return
    given = config.resolve(source.path)
    path = path or given
    if source.format == "tsv":
        for rec in _within(read_records(path, "tsv", columns=("src", "tgt"), schema=TEXT_PAIR),
                           lines):
            yield Entry(f"{source.name}:{rec.line}", source.name, (rec["src"], rec["tgt"]),
                        (display_name(given), rec.line))
        return
    for rec in RecordReader(path, schema=SENTENCE_PAIR, lines=lines, name=display_name(given)):
        for field, lang in (("src_lang", config.src_lang), ("tgt_lang", config.tgt_lang)):
            check_record_language(rec, field, rec.get(field), lang, f"the config's {field}")
        yield Entry(record_id(rec), source.name, (rec["src"], rec["tgt"]), (rec.path, rec.line))


def parallel_mismatch(config: CorpusConfig, source: Source, src_lines: int,
                      tgt_lines: int) -> Optional[DataError]:
    """The error for parallel text files of different lengths (None when they agree)."""
    if src_lines == tgt_lines:
        return None
    src_path, tgt_path = config.resolve(source.src_path), config.resolve(source.tgt_path)
    shorter = display_name(src_path if src_lines < tgt_lines else tgt_path)
    return DataError(f"{shorter} ends before line {min(src_lines, tgt_lines) + 1} of its "
                     "parallel file", path=shorter, hint="parallel text files must be line-aligned")


def _parallel_text(config: CorpusConfig, source: Source, lines: Lines) -> Iterator[Entry]:
    src_path, tgt_path = config.resolve(source.src_path), config.resolve(source.tgt_path)
    for src, tgt in itertools.zip_longest(_numbered(src_path, lines), _numbered(tgt_path, lines)):
        if src is None or tgt is None:
            line = (tgt or src)[0]
            raise parallel_mismatch(config, source, line - 1 if src is None else line,
                                    line if src is None else line - 1)
        yield Entry(f"{source.name}:{src[0]}", source.name, (src[1], tgt[1]),
                    (display_name(src_path), src[0]))


def read_monolingual(config: CorpusConfig, source: Source, lines: Lines = None,
                     path: Optional[str] = None) -> Iterator[Entry]:
    given = config.resolve(source.path)
    path = path or given
    if source.path.endswith((".jsonl", ".jsonl.gz")):
        for rec in RecordReader(path, schema=text_record("text"), lines=lines,
                                name=display_name(given)):
            ident = record_id(rec) if "id" in rec else f"{source.name}:{rec.line}"
            yield Entry(ident, source.name, (rec["text"],), (rec.path, rec.line))
        return
    name = display_name(given)
    for lineno, text in _numbered(path, lines):
        yield Entry(f"{source.name}:{lineno}", source.name, (text,), (name, lineno))
