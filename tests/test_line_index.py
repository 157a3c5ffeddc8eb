"""LineIndex (lrtk.io.lines): the line count and line offsets a sharded segment run plans and
seeks with, found from raw newline bytes, must agree with how read_lines numbers the lines."""

from __future__ import annotations

import pytest

from conftest import shared_path
from lrtk.io.lines import LineIndex, read_lines
from lrtk.parallel import count_lines


@pytest.mark.parametrize("ending", [b"\n", b""], ids=["final-newline", "no-final-newline"])
def test_offsets_seek_to_the_lines_read_lines_numbers(ending, tmp_path, monkeypatch):
    lines = shared_path("tico19", "en-bn", "tico19-test.bn").read_bytes().splitlines()[:60]
    lines[7] = lines[7] + b"\r"  # a CRLF line and five blank ones: all are lines
    lines[20:21] = [b""] * 5
    path = tmp_path / "bn.txt"
    path.write_bytes(b"\n".join(lines) + ending)
    # Chunks far smaller than a line and than the file: lines straddle chunks, chunks
    # hold no newline, and the file's last chunk is partial; chunks of more than two lines
    # are counted both ways (find, then count).
    monkeypatch.setattr(LineIndex, "CHUNK", 97)
    monkeypatch.setattr(LineIndex, "FINDS", 2)
    index = LineIndex(path)
    whole = list(read_lines(path))
    assert index.lines == count_lines(path) == len(whole) == 64
    assert index.offset(64) == index.size == path.stat().st_size
    for k in range(65):
        assert list(read_lines(path, skip=k, at=index.offset(k))) == whole[k:], k


def test_an_empty_file_has_no_lines(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    index = LineIndex(path)
    assert (index.lines, index.size, index.offset(0)) == (0, 0, 0)
