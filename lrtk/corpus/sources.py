"""Reading the configured sources into entries: sentence pairs or monolingual sentences."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Iterator

from lrtk.corpus.config import CorpusConfig, Source
from lrtk.errors import DataError
from lrtk.io import read_jsonl, read_records
from lrtk.io.lines import display_name, read_lines
from lrtk.io.schema import (SENTENCE_PAIR, TEXT_PAIR, check_record_language, record_id,
                            text_record)


@dataclasses.dataclass
class Entry:
    """One unit of the corpus: `texts` is (src, tgt) for a pair, (text,) for a sentence;
    `origin` is where it was read (file, line), for errors that name it."""

    id: str
    source: str
    texts: tuple[str, ...]
    origin: tuple[str, int] = ("<memory>", 0)


def read_pairs(config: CorpusConfig, source: Source) -> Iterator[Entry]:
    if source.src_path:
        yield from _parallel_text(config, source)
        return
    path = config.resolve(source.path)
    if source.format == "tsv":
        for rec in read_records(path, "tsv", columns=("src", "tgt"), schema=TEXT_PAIR):
            yield Entry(f"{source.name}:{rec.line}", source.name, (rec["src"], rec["tgt"]),
                        (rec.path, rec.line))
        return
    for rec in read_jsonl(path, schema=SENTENCE_PAIR):
        for field, lang in (("src_lang", config.src_lang), ("tgt_lang", config.tgt_lang)):
            check_record_language(rec, field, rec.get(field), lang, f"the config's {field}")
        yield Entry(record_id(rec), source.name, (rec["src"], rec["tgt"]), (rec.path, rec.line))


def _parallel_text(config: CorpusConfig, source: Source) -> Iterator[Entry]:
    src_path, tgt_path = config.resolve(source.src_path), config.resolve(source.tgt_path)
    for src, tgt in itertools.zip_longest(read_lines(src_path), read_lines(tgt_path)):
        if src is None or tgt is None:
            shorter, line = (src_path, tgt[0]) if src is None else (tgt_path, src[0])
            raise DataError(f"{display_name(shorter)} ends before line {line} of its parallel "
                            "file", path=display_name(shorter),
                            hint="parallel text files must be line-aligned")
        yield Entry(f"{source.name}:{src[0]}", source.name, (src[1], tgt[1]),
                    (display_name(src_path), src[0]))


def read_monolingual(config: CorpusConfig, source: Source) -> Iterator[Entry]:
    path = config.resolve(source.path)
    if source.path.endswith((".jsonl", ".jsonl.gz")):
        for rec in read_jsonl(path, schema=text_record("text")):
            ident = record_id(rec) if "id" in rec else f"{source.name}:{rec.line}"
            yield Entry(ident, source.name, (rec["text"],), (rec.path, rec.line))
        return
    name = display_name(path)
    for lineno, text in read_lines(path):
        yield Entry(f"{source.name}:{lineno}", source.name, (text,), (name, lineno))
