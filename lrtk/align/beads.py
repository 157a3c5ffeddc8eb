"""Beads: the unit of a sentence alignment, in vecalign/Bleualign notation `[0,1]:[0]`."""

from __future__ import annotations

import os
from dataclasses import dataclass

from lrtk.errors import DataError
from lrtk.io.lines import display_name, read_lines


@dataclass(frozen=True, order=True)
class Bead:
    """Consecutive source sentences aligned to consecutive target sentences (0-based);
    one side may be empty (a deletion or insertion)."""

    src: tuple[int, ...]
    tgt: tuple[int, ...]

    def format(self) -> str:
        return f"[{','.join(map(str, self.src))}]:[{','.join(map(str, self.tgt))}]"

    @property
    def kind(self) -> tuple[int, int]:
        return len(self.src), len(self.tgt)


def span_bead(src_start: int, src_len: int, tgt_start: int, tgt_len: int) -> Bead:
    return Bead(tuple(range(src_start, src_start + src_len)),
                tuple(range(tgt_start, tgt_start + tgt_len)))


def _indices(text: str) -> tuple[int, ...]:
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError(text)
    inner = text[1:-1].strip()
    return tuple(int(x) for x in inner.split(",")) if inner else ()


def parse_bead(text: str) -> Bead:
    """'[0,1]:[2]' -> Bead((0, 1), (2,)). Raises ValueError on anything else."""
    left, sep, right = text.partition(":")
    if not sep:
        raise ValueError(text)
    return Bead(_indices(left), _indices(right))


def read_beads(path: str | os.PathLike) -> list[list[Bead]]:
    """A beads file: one bead per line, documents separated by blank lines."""
    name = display_name(path)
    docs: list[list[Bead]] = [[]]
    for lineno, line in read_lines(path):
        if not line.strip():
            if docs[-1]:
                docs.append([])
            continue
        try:
            docs[-1].append(parse_bead(line))
        except ValueError:
            raise DataError(f"not a bead: {line.strip()[:60]!r}", path=name, line=lineno,
                            hint="expected '[src ids]:[tgt ids]', e.g. [0,1]:[0]") from None
    return [d for d in docs if d]
