"""Reading the configured sources into entries: sentence pairs or monolingual sentences."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Iterator

from lrtk.corpus.config import CorpusConfig, Source
from lrtk.errors import DataError
from lrtk.io import read_jsonl
from lrtk.io.lines import display_name, read_lines
from lrtk.io.records import read_tsv


@dataclasses.dataclass
class Entry:
    """One unit of the corpus: `texts` is (src, tgt) for a pair, (text,) for a sentence."""

    id: str
    source: str
    texts: tuple[str, ...]


def _string(rec, field: str) -> str:
    value = rec[field]
    if not isinstance(value, str):
        raise rec.error(f"field {field!r} must be a string, got {type(value).__name__}")
    return value


def read_pairs(config: CorpusConfig, source: Source) -> Iterator[Entry]:
    if source.src_path:
        yield from _parallel_text(config, source)
        return
    path = config.resolve(source.path)
    if source.format == "tsv":
        for rec in read_tsv(path, ("src", "tgt")):
            yield Entry(f"{source.name}:{rec.line}", source.name, (rec["src"], rec["tgt"]))
        return
    for rec in read_jsonl(path, required=("id", "src", "tgt")):
        for field, lang in (("src_lang", config.src_lang), ("tgt_lang", config.tgt_lang)):
            if field in rec and rec[field] != lang:
                raise rec.error(f"{field} is {rec[field]!r} but corpus {config.name} is "
                                f"{config.src_lang}-{config.tgt_lang}")
        yield Entry(str(rec["id"]), source.name, (_string(rec, "src"), _string(rec, "tgt")))


def _parallel_text(config: CorpusConfig, source: Source) -> Iterator[Entry]:
    src_path, tgt_path = config.resolve(source.src_path), config.resolve(source.tgt_path)
    for src, tgt in itertools.zip_longest(read_lines(src_path), read_lines(tgt_path)):
        if src is None or tgt is None:
            shorter, line = (src_path, tgt[0]) if src is None else (tgt_path, src[0])
            raise DataError(f"{display_name(shorter)} ends before line {line} of its parallel "
                            "file", path=display_name(shorter),
                            hint="parallel text files must be line-aligned")
        yield Entry(f"{source.name}:{src[0]}", source.name, (src[1], tgt[1]))


def read_monolingual(config: CorpusConfig, source: Source) -> Iterator[Entry]:
    path = config.resolve(source.path)
    if source.path.endswith((".jsonl", ".jsonl.gz")):
        for rec in read_jsonl(path, required=("text",)):
            yield Entry(str(rec.get("id", f"{source.name}:{rec.line}")), source.name,
                        (_string(rec, "text"),))
        return
    for lineno, text in read_lines(path):
        yield Entry(f"{source.name}:{lineno}", source.name, (text,))
