"""Atomic outputs: write to a temporary file in the target directory, rename on success.

A failed or interrupted stage therefore never leaves a partial file and never replaces a
good output with a bad one. '-' means stdout, which cannot be atomic.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import sys
import tempfile
from typing import IO, Iterator

from lrtk.errors import UsageError

STDIO = "-"


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, binary: bool = False) -> Iterator[IO]:
    """Context manager yielding a handle; the file appears at `path` only if the block succeeds."""
    p = str(path)
    if p == STDIO:
        yield sys.stdout.buffer if binary else sys.stdout
        (sys.stdout.buffer if binary else sys.stdout).flush()
        return
    directory = os.path.dirname(os.path.abspath(p))
    if not os.path.isdir(directory):
        raise UsageError("output directory does not exist", path=directory,
                         hint="create it first")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(p) + ".", suffix=".tmp", dir=directory)
    try:
        raw = os.fdopen(fd, "wb")
        if p.endswith(".gz"):
            # mtime=0 keeps gzip output byte-identical across runs.
            fh: IO = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="")
        else:
            fh = raw
        if not binary:
            fh = _TextOnBinary(fh)
        with raw:
            yield fh
            fh.close()
        os.chmod(tmp, _default_mode())  # mkstemp creates 0600; outputs get the usual mode
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class _TextOnBinary:
    """Minimal UTF-8 text writer over a binary handle ('\\n' newlines on every platform)."""

    def __init__(self, raw: IO[bytes]):
        self._raw = raw

    def write(self, s: str) -> int:
        self._raw.write(s.encode("utf-8"))
        return len(s)

    def flush(self) -> None:
        self._raw.flush()

    def close(self) -> None:
        if isinstance(self._raw, gzip.GzipFile):
            self._raw.close()


def write_json(obj, path: str | os.PathLike) -> None:
    """Write one JSON document (reports, plans) atomically, keys sorted for stable diffs."""
    with atomic_output(path) as fh:
        fh.write(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
