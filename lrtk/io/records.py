"""JSONL record streams (the format between stages) and TSV / plain-text edge formats."""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from lrtk.errors import DataError, UsageError, param
from lrtk.io.atomic import atomic_output
from lrtk.io.lines import display_name, read_lines
from lrtk.io.progress import warn

if TYPE_CHECKING:
    from lrtk.io.schema import Schema

FORMATS = ("jsonl", "tsv", "text")


class Record(dict):
    """A JSON object that remembers where it came from, so later checks can name file:line."""

    __slots__ = ("path", "line")

    def __init__(self, data: dict, path: str = "<memory>", line: int = 0):
        super().__init__(data)
        self.path = path
        self.line = line

    def error(self, message: str, hint: str | None = None) -> DataError:
        return DataError(message, path=self.path, line=self.line, hint=hint)


class RecordReader:
    """Iterates records (each validated against `schema`, a lrtk.io.schema kind) and counts
    the bad ones skipped under --skip-bad."""

    def __init__(self, path: str | os.PathLike, *, skip_bad: bool = False,
                 schema: Schema | None = None, lines: tuple[int, int] | None = None,
                 name: str | None = None, at: int | None = None):
        self.path = path
        self.skip_bad = skip_bad
        self.schema = schema
        self.skipped = 0
        self.lines = lines  # only lines [start, stop) (0-based): one shard of the input
        self.at = at  # where line start + 1 begins, if known (lrtk.io.lines.LineIndex)
        self.name = name or display_name(path)  # e.g. '<stdin>' for a spooled stdin

    def _warn(self, err: DataError) -> None:
        self.skipped += 1
        warn(f"skipped {err.marked()}")

    def __iter__(self) -> Iterator[Record]:
        name = self.name
        start, stop = self.lines or (0, float("inf"))
        for lineno, text in read_lines(self.path, skip=start, at=self.at):
            if lineno > stop:
                return
            if not text.strip():
                continue  # blank lines are tolerated (e.g. a trailing empty line)
            try:
                rec = parse_record(text, name, lineno)
                if self.schema is not None:
                    self.schema.validate(rec)
            except DataError as err:
                if not self.skip_bad:
                    raise
                self._warn(err)
                continue
            yield rec


# A JSON \uXXXX escape of a UTF-16 surrogate, which alone is not a character.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_record(text: str, name: str, lineno: int) -> Record:
    """One JSONL line as a Record; anything but a JSON object is a DataError at name:lineno."""
    where = {"path": name, "line": lineno}
    try:
        obj = json.loads(text)
        if _SURROGATE_ESCAPE.search(text):
            # A lone surrogate would fail later, when a stage writes the text: refuse it now.
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except json.JSONDecodeError as e:
        raise DataError(f"not valid JSON: {e.msg} at column {e.colno}", **where,
                        hint="each line must be one JSON object") from None
    except UnicodeEncodeError:
        raise DataError("a string holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)",
                        **where, hint="it is not a character; fix or drop the escape") from None
    except ValueError as e:  # an integer of more digits than Python converts
        raise DataError(f"not usable JSON: {str(e).split(':')[0]}", **where) from None
    except RecursionError:
        raise DataError("not usable JSON: nested too deeply", **where) from None
    if not isinstance(obj, dict):
        raise DataError(f"expected a JSON object, got {type(obj).__name__}", **where,
                        hint="each line must be one JSON object")
    return Record(obj, name, lineno)


def read_jsonl(path: str | os.PathLike, *, skip_bad: bool = False,
               schema: Schema | None = None) -> Iterator[Record]:
    return iter(RecordReader(path, skip_bad=skip_bad, schema=schema))


def read_tsv(path: str | os.PathLike, columns: Sequence[str]) -> Iterator[Record]:
    """Each line is `columns` tab-separated fields; a wrong field count is a DataError."""
    name = display_name(path)
    for lineno, text in read_lines(path):
        if not text:
            continue
        fields = text.split("\t")
        if len(fields) != len(columns):
            raise DataError(f"expected {len(columns)} tab-separated fields "
                            f"({', '.join(columns)}), found {len(fields)}", path=name, line=lineno)
        yield Record(dict(zip(columns, fields)), name, lineno)


def read_text(path: str | os.PathLike, field: str = "text") -> Iterator[Record]:
    """One record per non-empty line, the line stored under `field`."""
    name = display_name(path)
    for lineno, text in read_lines(path):
        if text.strip():
            yield Record({field: text}, name, lineno)


def read_records(path: str | os.PathLike, fmt: str = "jsonl", *, columns: Sequence[str] = (),
                 text_field: str = "text", skip_bad: bool = False,
                 schema: Schema | None = None) -> Iterator[Record]:
    """Records of any FORMATS; TSV and text records are validated against `schema` too."""
    if fmt == "jsonl":
        return read_jsonl(path, skip_bad=skip_bad, schema=schema)
    if fmt == "tsv":
        records = read_tsv(path, columns)
    elif fmt == "text":
        records = read_text(path, text_field)
    else:
        raise UsageError(f"unknown format {fmt!r}", hint=f"choose one of {', '.join(FORMATS)}")
    return records if schema is None else (schema.validate(r) for r in records)


def dumps(rec: dict) -> str:
    """Compact, non-ASCII-escaping JSON: the canonical byte form of a record."""
    return json.dumps(rec, ensure_ascii=False, separators=(",", ":"))


def write_jsonl(records: Iterable[dict], path: str | os.PathLike) -> int:
    n = 0
    with atomic_output(path) as fh:
        for rec in records:
            fh.write(dumps(rec) + "\n")
            n += 1
    return n


def _tsv_field(value) -> str:
    text = str(value)
    if "\t" in text or "\n" in text:
        raise DataError(f"cannot write TSV: a field contains a tab or newline: {text[:40]!r}",
                        hint=f"use {param('format')} jsonl")
    return text


def write_records(records: Iterable[dict], path: str | os.PathLike, fmt: str = "jsonl", *,
                  columns: Sequence[str] = (), text_field: str = "text") -> int:
    """Write records as JSONL, TSV (the given columns) or text (one `text_field` per line)."""
    if fmt == "jsonl":
        return write_jsonl(records, path)
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", hint=f"choose one of {', '.join(FORMATS)}")
    n = 0
    with atomic_output(path) as fh:
        for rec in records:
            if fmt == "tsv":
                fh.write("\t".join(_tsv_field(rec[c]) for c in columns) + "\n")
            else:
                fh.write(_tsv_field(rec[text_field]) + "\n")
            n += 1
    return n
