"""What goes wrong in `lrtk segment` now that its sharded run counts the input's lines from
raw newline bytes and each shard seeks to its first line: a bad UTF-8 line is no longer met
by an up-front count but by the shard that reads it, which must still name file, line and
the byte offset in the whole file, whatever the worker count, format or shard."""

from __future__ import annotations

from pathlib import Path

import pytest

from badinput import REPO, assert_one_line_error, assert_unchanged, lrtk, snapshot
from conftest import shared_path

BAD = b"\xff"


def with_bad_byte(lines: list[bytes], lineno: int, column: int, path: Path) -> tuple[Path, str]:
    """`lines` written with a bad byte at about `column` of line `lineno` (1-based), between
    two characters; the file and the error text that line must give."""
    lines = list(lines)
    line = lines[lineno - 1]
    while 0x80 <= line[column] < 0xC0:  # a continuation byte: inside a character
        column += 1
    lines[lineno - 1] = line[:column] + BAD + line[column:]
    path.write_bytes(b"\n".join(lines) + b"\n")
    offset = sum(len(x) + 1 for x in lines[:lineno - 1]) + column
    return path, f"{path}:{lineno}: invalid UTF-8 at byte offset {offset} (byte 0xff)"


def documents(tmp: Path, lineno: int) -> tuple[list, str]:
    """The 19 bundled TICO-19 documents with a bad byte inside line `lineno`'s text."""
    docs = (REPO / "samples" / "tico19-bn-en" / "docs.bn.jsonl").read_bytes().splitlines()
    path, message = with_bad_byte(docs, lineno, 120, tmp / "docs.jsonl")
    return [path, "--lang", "bn"], message


def text(tmp: Path, lineno: int) -> tuple[list, str]:
    """300 TICO-19 Bengali lines (one document each) with a bad byte inside line `lineno`."""
    lines = shared_path("tico19", "en-bn", "tico19-test.bn").read_bytes().splitlines()[:300]
    path, message = with_bad_byte(lines, lineno, 30, tmp / "bn.txt")
    return [path, "--lang", "bn", "--format", "text"], message


CASES = {
    # 19 lines in 4 shards (5, 5, 5, 4 lines): line 17 is the last shard's second line.
    "jsonl-last-shard-two-workers": (documents, 17, ["--workers", "2", "--num-shards", "4"]),
    "jsonl-last-shard-one-worker": (documents, 17, ["--workers", "1", "--num-shards", "4"]),
    "jsonl-first-line-of-a-shard": (documents, 11, ["--workers", "2", "--num-shards", "4"]),
    "jsonl-last-line": (documents, 19, ["--workers", "2", "--num-shards", "4"]),
    "jsonl-default-shards": (documents, 17, ["--workers", "2"]),
    "text-deep-in-a-shard": (text, 263, ["--workers", "2", "--num-shards", "4"]),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_utf8_in_a_shard_names_file_line_and_byte(case, tmp_path):
    make, lineno, options = case
    args, message = make(tmp_path, lineno)
    out = tmp_path / "out"
    out.mkdir()
    (out / "sents.jsonl").write_text("previous good output\n", encoding="utf-8")
    before = snapshot(out)
    res = lrtk("segment", *args, *options, "-o", out / "sents.jsonl")
    assert_one_line_error(res, message, code=1)
    assert_unchanged(out, before)


def test_a_cluster_shard_fails_only_where_the_bad_line_is(tmp_path):
    """With --shard-index, the shard holding the bad line fails naming it; the others, which
    no longer decode the whole input to count it, finish."""
    args, message = documents(tmp_path, 17)
    work = tmp_path / "work"
    shard = ["--num-shards", "4", "--work-dir", work, "--shard-index"]
    assert lrtk("segment", *args, *shard, "0").code == 0
    assert_one_line_error(lrtk("segment", *args, *shard, "3"), message, code=1)
    assert not (work / "shard-00003-of-00004" / "DONE").exists()
