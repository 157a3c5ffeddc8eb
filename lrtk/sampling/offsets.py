"""The byte range of every example of a corpus, on disk instead of in memory.

16 bytes an example is 32 MB at two million lines, the one part of a sampler or a
tokenizer's input that grew with the corpus. The ranges go to an anonymous temporary file
as they are scanned (a few thousand at a time) and come back by `pread`, one range a
lookup: plain reads, so the file's pages sit in the page cache, not in this process's
memory (a memory map would count every page it touched). The file lies in the temporary
folder (TMPDIR, else /tmp): a folder that cannot take it stops the run with one line.
"""

from __future__ import annotations

import os
import struct
import tempfile
import weakref
from array import array

from lrtk.errors import DataError

_RANGE = struct.Struct("=qq")  # (start, end) of one example
_PENDING = 4096  # ranges written together while scanning


class OffsetIndex:
    """Append (start, end) pairs while scanning; then `index[i]` is the i-th pair."""

    def __init__(self):
        try:
            self._file = tempfile.TemporaryFile(prefix="lrtk-offsets-")
        except OSError as err:  # no writable temporary folder at all
            raise _folder_error(err) from None
        # Closed (and so removed) with the index, also when a scan error drops it half-way.
        weakref.finalize(self, self._file.close)
        self._pending = array("q")
        self._count = 0

    def append(self, start: int, end: int) -> None:
        self._pending.append(start)
        self._pending.append(end)
        self._count += 1
        if len(self._pending) >= 2 * _PENDING:
            self._flush()

    def _flush(self) -> None:
        try:
            self._file.write(self._pending.tobytes())
            self._file.flush()  # pread below reads the descriptor, not the buffer
        except OSError as err:  # disk full, file size limit: the file has no name to report
            raise _folder_error(err) from None
        del self._pending[:]

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, i: int) -> tuple[int, int]:
        if not 0 <= i < self._count:
            raise IndexError(f"example {i} of {self._count}")
        if self._pending:
            self._flush()
        # pread keeps no file position, so forked DataLoader workers can share the descriptor.
        return _RANGE.unpack(os.pread(self._file.fileno(), _RANGE.size, i * _RANGE.size))

    def __getstate__(self) -> dict:
        # A descriptor means nothing in a spawned DataLoader worker: the ranges travel as bytes.
        if self._pending:
            self._flush()
        self._file.seek(0)
        return {"count": self._count, "ranges": self._file.read()}

    def __setstate__(self, state: dict) -> None:
        self.__init__()
        self._file.write(state["ranges"])
        self._file.flush()
        self._count = state["count"]


def _folder_error(err: OSError) -> DataError:
    folder = tempfile.gettempdir()
    return DataError(f"cannot write the offsets of the examples to the temporary folder: "
                     f"{(err.strerror or str(err)).lower()}", path=folder,
                     hint="free some disk space there, or set TMPDIR to another folder")
