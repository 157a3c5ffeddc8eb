"""The files of one build directory (a pipeline's WORK), read for the report.

A section needs some of them; when one is missing or unreadable the section is left out
with a note that says which file and why (`Missing`), so a partial or damaged build still
gets a report of everything else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator


class Missing(Exception):
    """A section's input is absent or unreadable; the message is the page's one-line note."""


class Work:
    def __init__(self, root: Path):
        self.root = root

    def path(self, rel: str) -> Path:
        path = self.root / rel
        if not path.is_file():
            raise Missing(f"{rel} not found")
        return path

    def text(self, rel: str) -> str:
        try:
            return self.path(rel).read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise Missing(f"{rel} is not UTF-8 text (byte {e.start})") from None

    def json(self, rel: str) -> Any:
        try:
            return json.loads(self.text(rel))
        except json.JSONDecodeError as e:
            raise Missing(f"{rel}:{e.lineno}: not valid JSON ({e.msg})") from None

    def jsonl(self, rel: str) -> Iterator[dict]:
        """Records one at a time (rejects can be large); a bad line ends the file with Missing."""
        with self.path(rel).open(encoding="utf-8", errors="replace") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as e:
                    raise Missing(f"{rel}:{lineno}: not valid JSON ({e.msg})") from None

    def lines(self, rel: str) -> list[str]:
        return self.text(rel).splitlines()

    def optional(self, read, rel: str, default=None):
        """`read(rel)`, or `default` when the file is missing or unreadable."""
        try:
            return read(rel)
        except Missing:
            return default
