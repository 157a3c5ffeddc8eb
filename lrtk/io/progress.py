"""Progress bars and stage summaries on stderr: bars only on a terminal, never in pipes/CI."""

from __future__ import annotations

import os
import sys
from typing import Iterable, Iterator, TypeVar

from lrtk.errors import spelled

T = TypeVar("T")


def bars_enabled() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI") and not os.environ.get("LRTK_QUIET")


def progress(items: Iterable[T], *, desc: str, total: int | None = None,
             unit: str = "rec") -> Iterator[T]:
    if not bars_enabled():
        return iter(items)
    from tqdm import tqdm  # imported lazily: most invocations run in pipes

    return iter(tqdm(items, desc=desc, total=total, unit=unit, file=sys.stderr,
                     dynamic_ncols=True, leave=False))


def info(message: str) -> None:
    """A summary or status line for the user; stdout stays reserved for records."""
    if not os.environ.get("LRTK_QUIET"):
        print(f"lrtk: {spelled(message)}", file=sys.stderr)


def warn(message: str) -> None:
    print(f"lrtk: warning: {spelled(message)}", file=sys.stderr)


def counted(n: int, noun: str) -> str:
    """'1 document', '3 documents': summary lines read as sentences (nouns here take -s)."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
