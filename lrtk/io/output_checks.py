"""Checks of output paths, made before a stage does any work.

A stage that trains for an hour and then finds it cannot write its output has wasted the
hour; one that replaces a folder it did not make has destroyed someone's files. So every
output option is checked first: a file output must not be a folder and must land in an
existing, writable folder; a folder output may replace only an earlier output of the same
command (it carries a MARKER file naming it), an empty folder, or anything with
--overwrite, and never the current folder, a folder above it, or a folder holding an input.
"""

from __future__ import annotations

import os
from typing import Iterable, Optional

from lrtk.errors import UsageError, param, spelled

STDIO = "-"
# Written into every output folder; its first line names the command that made the folder.
MARKER = ".lrtk-output"


def marker_text(command: str) -> str:
    """The marker's text, for people who look into the folder (spelled as they run lrtk)."""
    return spelled(f"lrtk {command}\n"
                   f"# `lrtk {command}` made this directory and may replace it; any other "
                   f"command needs {param('overwrite')}.\n")


def check_output_file(path: Optional[str | os.PathLike], *, make_parents: bool = False) -> None:
    """UsageError unless `path` ('-' and None pass) can be written as a file."""
    if path is None or str(path) == STDIO:
        return
    p = str(path)
    if os.path.isdir(p):
        raise UsageError("is a directory, expected a file name", path=p,
                         hint="name a file inside it")
    _check_parent(p, make_parents)
    if os.path.lexists(p) and not os.access(p, os.W_OK):
        raise UsageError("permission denied: the file is read-only", path=p,
                         hint="make it writable or write elsewhere")


def check_output_dir(path: str | os.PathLike, command: str, *, overwrite: bool = False,
                     inputs: Iterable[Optional[str | os.PathLike]] = ()) -> None:
    """UsageError unless the folder `path` may be (re)placed by `lrtk command`."""
    p = str(path)
    real = os.path.realpath(p)
    if _contains(real, os.path.realpath(os.getcwd())):
        raise UsageError("refusing to replace the current directory or one above it", path=p,
                         hint="name a new directory, e.g. -o out/NAME")
    for inp in inputs:
        if inp is not None and str(inp) != STDIO and _contains(real, os.path.realpath(inp)):
            raise UsageError(f"refusing to replace a directory that holds the input {inp}",
                             path=p, hint="write the output somewhere else")
    _check_parent(p, False)
    if overwrite or not os.path.lexists(p):
        return
    if not os.path.isdir(p):
        raise UsageError(f"exists and is not a directory made by `lrtk {command}`", path=p,
                         hint=f"choose another name, or add {param('overwrite')} to replace it")
    maker = written_by(p)
    if maker not in (None, command):
        raise UsageError(f"directory was made by `lrtk {maker}`, not `lrtk {command}`", path=p,
                         hint=f"choose a new directory, or add {param('overwrite')} to replace it")
    if os.listdir(p) and maker != command:
        raise UsageError(f"directory exists and has no {MARKER} marker of `lrtk {command}`",
                         path=p,
                         hint=f"choose a new directory, or add {param('overwrite')} to replace it "
                              "and everything in it")


def written_by(folder: str | os.PathLike) -> Optional[str]:
    """The command named by `folder`'s marker, or None."""
    try:
        with open(os.path.join(folder, MARKER), encoding="utf-8") as fh:
            first = fh.readline().strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    return first[len("lrtk "):] if first.startswith("lrtk ") else None


def _contains(folder: str, path: str) -> bool:
    """True if `path` is `folder` or lies below it (both real paths)."""
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _check_parent(path: str, make_parents: bool) -> None:
    parent = os.path.dirname(path) or "."  # as the user wrote it, for the message
    existing = parent
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing) or "."
    if not os.path.isdir(existing):
        raise UsageError("is a file, but the output path needs a directory here", path=existing,
                         hint="choose another output path")
    if existing != parent and not make_parents:
        raise UsageError("output directory does not exist", path=parent, hint="create it first")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError("permission denied: cannot write in this directory", path=existing,
                         hint="choose a directory you can write to")
