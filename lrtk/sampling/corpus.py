"""A language's corpus for sampling: one example per non-empty line, text or JSONL.

Scanning a corpus once gives its size (lines, and tokens when sampling by tokens) and the
byte offset of every example, so the sampler can fetch example i by seeking instead of
holding the corpus in memory: the high-resource side of a mixture may be large.
"""

from __future__ import annotations

import json
import os
from array import array
from dataclasses import dataclass
from typing import Callable

from lrtk.errors import DataError, UsageError
from lrtk.io.lines import read_lines

FORMATS = ("auto", "text", "jsonl")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class CorpusSpec:
    """Where a language's examples come from. `field` names the text in JSONL records."""

    lang: str
    path: str
    fmt: str = "text"
    field: str = "text"

    @classmethod
    def parse(cls, spec: str, fmt: str = "auto", field: str = "text") -> "CorpusSpec":
        """Parse the CLI form LANG=PATH; `auto` picks jsonl for *.jsonl[.gz], else text."""
        lang, sep, path = spec.partition("=")
        if not sep or not lang or not path:
            raise UsageError(f"bad corpus {spec!r}", hint="write it as LANG=PATH, e.g. bn=bn.txt")
        if fmt not in FORMATS:
            raise UsageError(f"unknown corpus format {fmt!r}", hint=f"choose one of {', '.join(FORMATS)}")
        if fmt == "auto":
            fmt = "jsonl" if path.endswith((".jsonl", ".jsonl.gz")) else "text"
        return cls(lang, path, fmt, field)

    def to_dict(self) -> dict:
        return {"lang": self.lang, "path": self.path, "format": self.fmt, "field": self.field}

    @classmethod
    def from_dict(cls, d: dict) -> "CorpusSpec":
        return cls(d["lang"], d["path"], d["format"], d["field"])


def whitespace_tokens(text: str) -> int:
    return len(text.split())


def token_counter(model: str | None) -> Callable[[str], int]:
    """Tokens per example: sentencepiece pieces with a model, else whitespace words."""
    if model is None:
        return whitespace_tokens
    from lrtk.tokenize.model import load_model  # sentencepiece is only needed here

    processor = load_model(model)
    return lambda text: len(processor.encode(text))


def scan_corpora(specs: list[CorpusSpec],
                 count_tokens: Callable[[str], int] | None = None) -> dict[str, "Corpus"]:
    """Scan every corpus once (sizes and offsets), keyed by language in the given order."""
    return {spec.lang: Corpus(spec, count_tokens) for spec in specs}


class Corpus:
    """A scanned corpus: example count, token count, and random access to example i."""

    def __init__(self, spec: CorpusSpec, count_tokens: Callable[[str], int] | None = None):
        """`count_tokens` None skips token counting (drawing needs only the offsets)."""
        self.spec = spec
        self.offsets = array("q")
        self.tokens = 0
        self._size = 0
        self._scan(count_tokens)
        self._fd: int | None = None

    def __getstate__(self) -> dict:
        # A descriptor number means nothing in a spawned DataLoader worker: reopen there.
        return {**self.__dict__, "_fd": None}

    @property
    def lang(self) -> str:
        return self.spec.lang

    @property
    def lines(self) -> int:
        return len(self.offsets)

    def _scan(self, count_tokens: Callable[[str], int] | None) -> None:
        path = self.spec.path
        offset = _bom_length(path)  # read_lines drops a BOM; offsets must still count it
        for lineno, raw in read_lines(path, keep_newline=True):
            start = offset
            offset += len(raw.encode("utf-8"))
            text, _ = self._parse(raw, lineno)
            if text is None:
                continue
            self.offsets.append(start)
            self._size = offset
            if count_tokens is not None:
                self.tokens += count_tokens(text)

    def _parse(self, raw: str, lineno: int) -> tuple[str | None, str | None]:
        """(text, id) of one line; text None for a blank line."""
        line = raw.rstrip("\r\n")
        if self.spec.fmt == "text":
            return (line if line.strip() else None), None
        if not line.strip():
            return None, None
        where = {"path": self.spec.path, "line": lineno}
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            raise DataError(f"not valid JSON: {e.msg} at column {e.colno}", **where,
                            hint="JSONL corpora need one JSON object per line") from None
        if not isinstance(rec, dict) or not isinstance(rec.get(self.spec.field), str):
            raise DataError(f"record has no text field {self.spec.field!r}", **where,
                            hint="name the text field with --field")
        text = rec[self.spec.field]
        ident = rec.get("id")
        return (text if text.strip() else None), (None if ident is None else str(ident))

    def get(self, index: int) -> tuple[str, str | None]:
        """(text, id) of example `index` (0-based over non-empty lines)."""
        if self._fd is None:
            if self.spec.path.endswith(".gz"):
                raise UsageError("drawing needs random access; gzip files have none",
                                 path=self.spec.path, hint="decompress it first (gunzip -k)")
            self._fd = os.open(self.spec.path, os.O_RDONLY)
        start = self.offsets[index]
        end = self.offsets[index + 1] if index + 1 < len(self.offsets) else self._size
        # pread keeps no file position, so forked DataLoader workers can share the descriptor.
        raw = os.pread(self._fd, end - start, start).split(b"\n", 1)[0].decode("utf-8")
        text, ident = self._parse(raw, 0)
        if text is None:
            raise DataError("corpus changed while sampling", path=self.spec.path,
                            hint="re-run `lrtk sample plan`")
        return text, ident

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _bom_length(path: str) -> int:
    if not os.path.isfile(path) or path.endswith(".gz"):
        return 0
    with open(path, "rb") as fh:
        return len(_BOM) if fh.read(len(_BOM)) == _BOM else 0
