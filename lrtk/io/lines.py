"""Line reading with strict UTF-8: a bad byte is a DataError naming file, line and byte offset."""

from __future__ import annotations

import gzip
import io
import os
import sys
from typing import BinaryIO, Iterator

from lrtk.errors import DataError, UsageError

STDIO = "-"


def display_name(path: str | os.PathLike) -> str:
    return "<stdin>" if str(path) == STDIO else str(path)


def open_binary(path: str | os.PathLike) -> BinaryIO:
    """Open a path (or '-' for stdin) for binary reading, unzipping .gz transparently."""
    p = str(path)
    if p == STDIO:
        return sys.stdin.buffer
    if not os.path.exists(p):
        raise UsageError("file not found", path=p, hint="check the path")
    if os.path.isdir(p):
        raise UsageError("is a directory, expected a file", path=p)
    raw = open(p, "rb")
    if p.endswith(".gz"):
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def require_readable(*paths: str | os.PathLike) -> None:
    """Raise the OSError that reading each path would (the main entry point prints it as one
    line naming the file) before a C library gets the path: sentencepiece and safetensors
    report an unreadable file as a bad model or as "No such file"."""
    for path in paths:
        with open(path, "rb"):
            pass


def read_lines(path: str | os.PathLike, *, keep_newline: bool = False) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, text) pairs; trailing '\\n' / '\\r\\n' stripped by default."""
    name = display_name(path)
    fh = open_binary(path)
    offset = 0
    try:
        for lineno, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DataError(
                    f"invalid UTF-8 at byte offset {offset + e.start} (byte 0x{raw[e.start]:02x})",
                    path=name, line=lineno, hint="convert the file to UTF-8, e.g. with iconv",
                ) from None
            except (OSError, EOFError) as e:  # truncated or corrupt .gz
                raise DataError(f"cannot read: {e}", path=name, line=lineno) from None
            offset += len(raw)
            if lineno == 1 and text.startswith("\ufeff"):
                text = text[1:]  # a UTF-8 byte order mark is not content
            if not keep_newline:
                text = text.rstrip("\r\n") if text.endswith("\n") else text
            yield lineno, text
    except gzip.BadGzipFile as e:
        raise DataError(f"not a valid gzip file: {e}", path=name) from None
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


def open_lines(path: str | os.PathLike) -> io.TextIOBase:
    """A text handle for small whole-file reads (configs, dictionaries); strict UTF-8."""
    text = "".join(t for _, t in read_lines(path, keep_newline=True))
    return io.StringIO(text)
