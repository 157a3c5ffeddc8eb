"""Errors a user can cause and fix: the CLI prints them as one line, never a traceback."""

from __future__ import annotations


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

    def format(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        tail = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{tail}"


class DataError(LrtkError):
    """Malformed input data: bad JSON, missing field, wrong encoding."""

    exit_code = 1


class UsageError(LrtkError):
    """Wrong options or missing files: the command line has to change."""

    exit_code = 2
