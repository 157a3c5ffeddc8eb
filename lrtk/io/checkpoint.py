"""The first check of every stage that reads a saved model directory. Without it,
transformers takes a path that is not a local directory for a Hub id and fails offline with a
download traceback."""

from __future__ import annotations

import os

from lrtk.errors import UsageError


def require_dir(path: str | os.PathLike, option: str, marker: str = "config.json",
                what: str = "Hugging Face model") -> None:
    """UsageError unless `path` is a directory holding `marker` (what `option` must name)."""
    if not os.path.isdir(path):
        raise UsageError("directory not found", path=str(path),
                         hint=f"{option} takes a local directory")
    if not os.path.isfile(os.path.join(path, marker)):
        raise UsageError(f"no {marker} in this directory", path=str(path),
                         hint=f"{option} must point at a saved {what}")
