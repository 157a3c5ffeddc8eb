"""The first check of every stage that reads a saved model directory. Without it,
transformers takes a path that is not a local directory for a Hub id and fails offline with a
download traceback."""

from __future__ import annotations

import os

from lrtk.errors import UsageError
from lrtk.io.lines import require_readable

# The files a saved model is loaded from: weights, configs, tokenizer.
MODEL_FILE_SUFFIXES = (".safetensors", ".bin", ".json", ".model")


def require_dir(path: str | os.PathLike, option: str, marker: str = "config.json",
                what: str = "Hugging Face model") -> None:
    """UsageError unless `path` is a directory holding `marker` (what `option` must name)."""
    if not os.path.isdir(path):
        raise UsageError("directory not found", path=str(path),
                         hint=f"{option} takes a local directory")
    if not os.access(path, os.R_OK | os.X_OK):
        raise UsageError("permission denied: cannot read this directory", path=str(path),
                         hint="check its permissions")
    if not os.path.isfile(os.path.join(path, marker)):
        raise UsageError(f"no {marker} in this directory", path=str(path),
                         hint=f"{option} must point at a saved {what}")
    # transformers and safetensors report an unreadable weight file as a missing one.
    require_readable(*(os.path.join(path, name) for name in sorted(os.listdir(path))
                       if name.endswith(MODEL_FILE_SUFFIXES)))
