"""Joining shard outputs: byte concatenation in shard order, written atomically."""

from __future__ import annotations

import shutil
from typing import BinaryIO, Sequence

from lrtk.io.atomic import atomic_output


def concat(parts: Sequence[str], output: str, skip: int = 0) -> None:
    """The parts joined, less the first `skip` bytes of the whole (a separator that each
    part's items start with, which the first item of all does without)."""
    with atomic_output(output, binary=True) as out:
        for part in parts:
            skip = append(part, out, skip)


def append(part: str, out: BinaryIO, skip: int = 0) -> int:
    """Copy the file `part`, less its first `skip` bytes, to `out`; the bytes of `skip` that
    it was too short for."""
    with open(part, "rb") as fh:
        if skip:
            skip -= len(fh.read(skip))
        shutil.copyfileobj(fh, out, 1 << 20)
    return skip
