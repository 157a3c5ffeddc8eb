"""How a command declares its outputs: one decorator per command, so every output option gets
the same checks before any work and the outputs of a run appear together (lrtk.io.atomic)."""

from __future__ import annotations

import functools
import os
from typing import Callable, Iterable

from lrtk.io.atomic import OutputGroup, output_group
from lrtk.io.output_checks import check_output_file

OVERWRITE_HELP = ("Replace the output even if this command did not make it (it has no "
                  ".lrtk-output marker naming the command): a file, or a directory and "
                  "everything in it.")


def writes(*files: str, folder: str | None = None, command: str = "",
           inputs: Iterable[str] = ()) -> Callable:
    """Decorate a command whose parameters `files` name output files and `folder` an output
    folder that `command` makes (with an `overwrite` parameter, and `inputs` naming the
    parameters that hold input paths, which the folder must not contain)."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def run(**params):
            if not _writes_outputs():
                return fn(**params)
            if folder is None and len(files) == 1:
                # One file needs no group: it appears when written, and the stage may read it
                # back (export reports its size).
                check_output_file(params[files[0]])
                return fn(**params)
            with output_group() as group:
                _claim(group, params, files, folder, command, tuple(inputs))
                return fn(**params)
        return run
    return decorate


def _claim(group: OutputGroup, params: dict, files, folder, command, inputs) -> None:
    if folder is not None:
        group.claim_dir(params[folder], command, overwrite=params["overwrite"],
                        inputs=_paths(params[name] for name in inputs))
    for name in files:
        group.claim_file(params[name])


def _paths(values) -> list[str]:
    """Input paths of option values: None skipped, lists flattened, and for LANG=PATH specs
    the PATH as well as the whole value."""
    out = []
    for value in values:
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item is not None:
                out += [str(item), str(item).partition("=")[2] or str(item)]
    return out


def _writes_outputs() -> bool:
    """Under torchrun / accelerate launch only rank 0 writes outputs (lrtk.train.loop)."""
    return int(os.environ.get("RANK", "0")) == 0
