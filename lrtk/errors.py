"""Errors a user can cause and fix: the CLI prints them as one line, never a traceback.

A message names the parameter at fault with `param(name)`, never a command-line flag: a library
caller reads the name (`bits`), and the front end that called the library writes it the way its
user typed it (the CLI: `--bits`, see lrtk/cli/_flags.py) through `spelled` / `LrtkError.spelled`.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

# A marked parameter name travels between two ASCII unit separators: no message text holds one,
# and the mark survives pickling (an error raised in a worker process is printed by the parent).
# A parameter of another stage than the one running carries the stage: "sample plan:budget".
_MARK = "\x1f"
_MARKED = re.compile(f"{_MARK}((?:[a-z][a-z0-9 -]*:)?[A-Za-z_][A-Za-z0-9_]*){_MARK}")

# How the front end writes a parameter name for its user; None: the name itself.
_front_end: Optional[Callable[[str], str]] = None


def param(name: str, stage: Optional[str] = None) -> str:
    """The parameter `name` (of the function or options object at fault), marked for `spell`;
    `stage` names the stage it belongs to where that is not the one running (a plan too small
    for training is re-planned with the budget of "sample plan")."""
    return f"{_MARK}{stage + ':' if stage else ''}{name}{_MARK}"


def spell(text: str, how: Optional[Callable[[str], str]] = None) -> str:
    """`text` with each `param` mark written as how(mark) ("name" or "stage:name"), or as the
    bare name."""
    return _MARKED.sub(lambda m: how(m[1]) if how else m[1].rpartition(":")[2], text)


def spell_params_with(how: Optional[Callable[[str], str]]) -> None:
    """Make `spelled` write parameter names as `how` does (the CLI: as flags)."""
    global _front_end
    _front_end = how


def spelled(text: str) -> str:
    """`text` as the user of the front end reads it (warnings and status lines use this)."""
    return spell(text, _front_end)


class LrtkError(Exception):
    """Base for user-facing errors. `exit_code`: 1 for bad data, 2 for a command line to change (docs/formats.md)."""

    exit_code = 1

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None,
                 hint: str | None = None):
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
        super().__init__(self.format())

    def format(self, how: Optional[Callable[[str], str]] = None) -> str:
        """The error as one line, each parameter written by `how` (default: its name)."""
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        tail = f" ({self.hint})" if self.hint else ""
        return spell(f"{where}{self.message}{tail}", how)

    def spelled(self) -> str:
        """The error as the user of the front end reads it."""
        return self.format(_front_end)

    def marked(self) -> str:
        """The error as one line with its parameters still marked, to quote in another error."""
        return self.format(lambda mark: f"{_MARK}{mark}{_MARK}")


class DataError(LrtkError):
    """Malformed input data: bad JSON, missing field, wrong encoding."""

    exit_code = 1


class UsageError(LrtkError):
    """Wrong options or missing files: the command line has to change."""

    exit_code = 2
