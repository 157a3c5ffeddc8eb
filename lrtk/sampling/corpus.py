"""A language's corpus for sampling: one example per non-empty line, text or JSONL.

Scanning a corpus once gives its size (lines, and tokens when sampling by tokens) and the
byte offset of every example, so the sampler can fetch example i by seeking instead of
holding the corpus in memory: the high-resource side of a mixture may be large. The
offsets themselves are kept in a temporary file (lrtk.sampling.offsets), so memory does not
grow with the corpus either. A language may have several files (`--corpus bn=a.txt
--corpus bn=b.txt`): they are one corpus, in the order given. A `.gz` file is unzipped once
into an anonymous temporary file when an example is first fetched, since a gzip stream cannot
be read at an offset.
"""

from __future__ import annotations

import os
import tempfile
from bisect import bisect_right
from dataclasses import dataclass
from typing import IO, Callable, Sequence

from lrtk.errors import DataError, UsageError, param
from lrtk.io.lines import copy_unzipped, read_lines
from lrtk.io.records import parse_record
from lrtk.io.schema import record_id, text_record
from lrtk.sampling.offsets import OffsetIndex

FORMATS = ("auto", "text", "jsonl")
_BOM = b"\xef\xbb\xbf"


def _auto_format(path: str) -> str:
    return "jsonl" if path.endswith((".jsonl", ".jsonl.gz")) else "text"


@dataclass(frozen=True)
class CorpusSpec:
    """Where a language's examples come from: `paths` in order (one path may be given as a
    string). `field` names the text in JSONL records."""

    lang: str
    paths: tuple[str, ...]
    fmt: str = "text"
    field: str = "text"

    def __post_init__(self):
        if isinstance(self.paths, (str, os.PathLike)):
            object.__setattr__(self, "paths", (str(self.paths),))
        else:
            object.__setattr__(self, "paths", tuple(str(p) for p in self.paths))

    @classmethod
    def parse(cls, spec: str, fmt: str = "auto", field: str = "text",
              option: str = param("corpus")) -> "CorpusSpec":
        """Parse the CLI form LANG=PATH; `auto` picks jsonl for *.jsonl[.gz], else text."""
        lang, sep, path = spec.partition("=")
        if not sep or not lang or not path:
            raise UsageError(f"bad {option} {spec!r}", hint="write it as LANG=PATH, e.g. bn=bn.txt")
        if fmt not in FORMATS:
            raise UsageError(f"unknown corpus format {fmt!r}", hint=f"choose one of {', '.join(FORMATS)}")
        return cls(lang, (path,), _auto_format(path) if fmt == "auto" else fmt, field)

    def to_dict(self) -> dict:
        return {"lang": self.lang, "paths": list(self.paths), "format": self.fmt,
                "field": self.field}

    @classmethod
    def from_dict(cls, d: dict) -> "CorpusSpec":
        # "path": one file, as plans saved before a language could have several.
        return cls(d["lang"], d["paths"] if "paths" in d else d["path"], d["format"], d["field"])


def parse_corpus_options(values: Sequence[str], fmt: str = "auto", field: str = "text",
                         option: str = param("corpus")) -> list[CorpusSpec]:
    """Repeated LANG=PATH options, one spec per language in first-seen order. A language
    given again gets its files concatenated in the order given; none is dropped."""
    specs: dict[str, CorpusSpec] = {}
    for value in values:
        spec = CorpusSpec.parse(value, fmt, field, option)
        before = specs.get(spec.lang)
        if before is None:
            specs[spec.lang] = spec
            continue
        if before.fmt != spec.fmt:
            raise UsageError(f"{option} {spec.lang} mixes {before.fmt} and {spec.fmt} files "
                             f"({before.paths[0]}, {spec.paths[0]})",
                             hint="give one language files of one format, or set "
                                  f"{param('format')}")
        specs[spec.lang] = CorpusSpec(spec.lang, before.paths + spec.paths, spec.fmt, field)
    return list(specs.values())


def whitespace_tokens(text: str) -> int:
    return len(text.split())


def token_counter(model: str | None) -> Callable[[str], int]:
    """Tokens per example: sentencepiece pieces with a model, else whitespace words."""
    if model is None:
        return whitespace_tokens
    from lrtk.io.spm_model import load_model  # sentencepiece is only needed here

    processor = load_model(model)
    return lambda text: len(processor.encode(text))


def scan_corpora(specs: list[CorpusSpec],
                 count_tokens: Callable[[str], int] | None = None) -> dict[str, "Corpus"]:
    """Scan every corpus once (sizes and offsets), keyed by language in the given order."""
    check_one_per_language(specs)
    return {spec.lang: Corpus(spec, count_tokens) for spec in specs}


def check_one_per_language(specs: Sequence[CorpusSpec]) -> None:
    """Two specs of one language would silently leave one out of a mapping by language."""
    langs = [s.lang for s in specs]
    twice = sorted({lang for lang in langs if langs.count(lang) > 1})
    if twice:
        raise UsageError(f"a language is given twice: {', '.join(twice)}",
                         hint="give one CorpusSpec per language with all its paths "
                              "(parse_corpus_options merges repeated LANG=PATH options)")


class Corpus:
    """A scanned corpus: example count, token count, and random access to example i."""

    def __init__(self, spec: CorpusSpec, count_tokens: Callable[[str], int] | None = None):
        """`count_tokens` None skips token counting (drawing needs only the offsets)."""
        self.spec = spec
        self.schema = text_record(spec.field)
        # Byte range of example i in its file, not counting a byte order mark (read_lines
        # drops it; get() adds it back).
        self.ranges = OffsetIndex()
        self.firsts: list[int] = []  # index of each file's first example
        self.tokens = 0
        self._scan(count_tokens)
        self._files: dict[int, tuple[IO[bytes], int]] = {}  # part -> (handle, BOM length)

    def __getstate__(self) -> dict:
        # A descriptor number means nothing in a spawned DataLoader worker: reopen there.
        return {**self.__dict__, "_files": {}}

    @property
    def lang(self) -> str:
        return self.spec.lang

    @property
    def lines(self) -> int:
        return len(self.ranges)

    def _scan(self, count_tokens: Callable[[str], int] | None) -> None:
        for path in self.spec.paths:
            self.firsts.append(len(self.ranges))
            offset = 0
            for lineno, raw in read_lines(path, keep_newline=True):
                start = offset
                offset += len(raw.encode("utf-8"))
                text, _ = self._parse(raw, path, lineno)
                if text is None:
                    continue
                self.ranges.append(start, offset)
                if count_tokens is not None:
                    self.tokens += count_tokens(text)

    def _parse(self, raw: str, path: str, lineno: int) -> tuple[str | None, str | None]:
        """(text, id) of one line; text None for a blank line."""
        line = raw.rstrip("\r\n")
        if not line.strip():
            return None, None
        if self.spec.fmt == "text":
            return line, None
        rec = self.schema.validate(parse_record(line, path, lineno))
        text = rec[self.spec.field]
        return (text if text.strip() else None), (record_id(rec) if "id" in rec else None)

    def get(self, index: int) -> tuple[str, str | None]:
        """(text, id) of example `index` (0-based over non-empty lines of all files)."""
        part = bisect_right(self.firsts, index) - 1
        path = self.spec.paths[part]
        fh, bom = self._file(part)
        # pread keeps no file position, so forked DataLoader workers can share the descriptor.
        start, end = self.ranges[index]
        raw = os.pread(fh.fileno(), end - start, start + bom)
        text, ident = self._parse(raw.split(b"\n", 1)[0].decode("utf-8", "replace"), path, 0)
        if text is None:
            raise DataError("corpus changed while sampling", path=path,
                            hint="re-run `lrtk sample plan`")
        return text, ident

    def _file(self, part: int) -> tuple[IO[bytes], int]:
        if part not in self._files:
            path = self.spec.paths[part]
            if path.endswith(".gz"):
                fh = tempfile.TemporaryFile(prefix="lrtk-corpus-")
                copy_unzipped(path, fh)
                fh.flush()  # pread below reads the descriptor, not the buffer
            else:
                fh = open(path, "rb")
            bom = len(_BOM) if os.pread(fh.fileno(), len(_BOM), 0) == _BOM else 0
            self._files[part] = (fh, bom)
        return self._files[part]

    def close(self) -> None:
        for fh, _ in self._files.values():
            fh.close()
        self._files.clear()
