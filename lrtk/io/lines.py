"""Line reading with strict UTF-8: a bad byte is a DataError naming file, line and byte offset.

Every reader of user files goes through here, so a `.gz` input is unzipped transparently
everywhere and a truncated or corrupt one is one error line naming the file, never click's
bare "Aborted!" (which is what an EOFError escaping a command turns into).
"""

from __future__ import annotations

import bisect
import contextlib
import gzip
import io
import os
import shutil
import sys
import zlib
from typing import IO, BinaryIO, Iterator

from lrtk.errors import DataError, UsageError

STDIO = "-"


def display_name(path: str | os.PathLike) -> str:
    return "<stdin>" if str(path) == STDIO else str(path)


def open_binary(path: str | os.PathLike) -> BinaryIO:
    """Open a path (or '-' for stdin) for binary reading, unzipping .gz transparently.
    Read it inside `readable(path)` so a damaged .gz becomes a DataError."""
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


@contextlib.contextmanager
def readable(path: str | os.PathLike, line: int | None = None) -> Iterator[None]:
    """Turn what reading a damaged file raises into a DataError naming it (and `line`)."""
    name = display_name(path)
    try:
        yield
    except EOFError:
        # gzip raises EOFError when the compressed stream stops before its end marker.
        raise DataError("truncated gzip file: it ends before its end-of-stream marker",
                        path=name, line=line,
                        hint="the file is incomplete, e.g. an interrupted copy or download; "
                             "fetch or compress it again") from None
    except (gzip.BadGzipFile, zlib.error) as e:
        raise DataError(f"not a valid gzip file: {e}", path=name, line=line,
                        hint="check that the file really is gzip-compressed") from None
    except OSError as e:
        raise DataError(f"cannot read: {e.strerror or e}", path=name, line=line) from None


@contextlib.contextmanager
def _opened(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """open_binary, closed afterwards unless it is stdin."""
    fh = open_binary(path)
    try:
        yield fh
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


def require_readable(*paths: str | os.PathLike) -> None:
    """Raise the OSError that reading each path would (the main entry point prints it as one
    line naming the file) before a C library gets the path: sentencepiece and safetensors
    report an unreadable file as a bad model or as "No such file"."""
    for path in paths:
        with open(path, "rb"):
            pass


def read_lines(path: str | os.PathLike, *, keep_newline: bool = False, skip: int = 0,
               at: int | None = None) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, text) pairs; trailing '\\n' / '\\r\\n' stripped by default.

    The first `skip` lines are counted but neither decoded nor yielded: a shard's reader passes
    over the lines of the shards before it (their owners report what is wrong in them). `at`,
    the byte offset where line skip + 1 starts (LineIndex.offset), jumps there instead."""
    name = display_name(path)
    offset = 0
    lineno = 0
    with _opened(path) as fh:
        if at is not None:
            fh.seek(at)
            offset, lineno = at, skip
        lines = iter(fh)
        while True:
            # The next line is read inside `readable`: a .gz fails while being iterated.
            with readable(path, lineno + 1):
                raw = next(lines, None)
            if raw is None:
                return
            lineno += 1
            if lineno <= skip:
                offset += len(raw)
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DataError(
                    f"invalid UTF-8 at byte offset {offset + e.start} (byte 0x{raw[e.start]:02x})",
                    path=name, line=lineno, hint="convert the file to UTF-8, e.g. with iconv",
                ) from None
            offset += len(raw)
            if lineno == 1 and text.startswith("\ufeff"):
                text = text[1:]  # a UTF-8 byte order mark is not content
            if not keep_newline:
                text = text.rstrip("\r\n") if text.endswith("\n") else text
            yield lineno, text


class LineIndex:
    """The physical lines of a plain file (not stdin, not .gz: those cannot seek), counted
    from its raw newline bytes and never decoded, and where any of them starts.

    A sharded stage plans from the count and each shard seeks to its first line: counting by
    decoding every line took a whole core-pass over the input before any shard could start,
    and a bad UTF-8 line is reported as well by the shard that reads it (file, line, byte)."""

    CHUNK = 1 << 20
    # find (memchr) passes over a long line far faster than count's byte-by-byte loop, but a
    # find per line costs more than count where lines are short: count after FINDS a chunk.
    FINDS = 2000

    def __init__(self, path: str | os.PathLike):
        self.path = path
        # Chunk i starts at byte starts[i] after before[i] newlines: offset() rereads one chunk.
        self._starts: list[int] = []
        self._before: list[int] = []
        newlines, size, last = 0, 0, b""
        buf = bytearray(self.CHUNK)
        with _opened(path) as fh, readable(path):
            while got := fh.readinto(buf):
                self._starts.append(size)
                self._before.append(newlines)
                newlines += self._newlines(buf, got)
                size, last = size + got, buf[got - 1:got]
        self.size = size
        # As read_lines numbers them: a last line without its newline is a line too.
        self.lines = newlines + (last not in (b"", b"\n"))

    @classmethod
    def _newlines(cls, buf: bytearray, end: int) -> int:
        """Newline bytes in buf[:end]."""
        n, i = 0, buf.find(b"\n", 0, end)
        while i >= 0:
            n += 1
            if n == cls.FINDS:
                return n + buf.count(b"\n", i + 1, end)
            i = buf.find(b"\n", i + 1, end)
        return n

    @staticmethod
    def seekable(path: str | os.PathLike) -> bool:
        return str(path) != STDIO and not str(path).endswith(".gz") and os.path.isfile(path)

    def offset(self, line: int) -> int:
        """The byte offset where the lines after the first `line` start."""
        if line <= 0:
            return 0
        if line >= self.lines:
            return self.size
        chunk = bisect.bisect_left(self._before, line) - 1  # holds the line-th newline
        with _opened(self.path) as fh, readable(self.path):
            fh.seek(self._starts[chunk])
            data = fh.read(self.CHUNK)
        pos = -1
        for _ in range(line - self._before[chunk]):
            pos = data.index(b"\n", pos + 1)
        return self._starts[chunk] + pos + 1


def open_lines(path: str | os.PathLike) -> io.TextIOBase:
    """A text handle for small whole-file reads (configs, dictionaries); strict UTF-8."""
    text = "".join(t for _, t in read_lines(path, keep_newline=True))
    return io.StringIO(text)


def read_bytes(path: str | os.PathLike) -> bytes:
    """The whole (unzipped) content of the file."""
    with _opened(path) as fh, readable(path):
        return fh.read()


def copy_unzipped(path: str | os.PathLike, dst: IO[bytes]) -> None:
    """Copy the (unzipped) content of `path` into the open binary handle `dst`."""
    with _opened(path) as fh, readable(path):
        shutil.copyfileobj(fh, dst)
