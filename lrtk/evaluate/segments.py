"""Hypothesis and reference files: one segment per line, all the same length."""

from __future__ import annotations

from typing import Sequence

from lrtk.errors import DataError, UsageError
from lrtk.io import read_lines


def read_segments(path: str) -> list[str]:
    return [text for _, text in read_lines(path)]


def read_hyps_and_refs(hyp_path: str,
                       ref_paths: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """The hypotheses and one list per reference file; a length mismatch is a DataError."""
    if not ref_paths:
        raise UsageError("no reference given", hint="pass --ref FILE (repeat for more)")
    hyps = read_segments(hyp_path)
    refs = [read_segments(p) for p in ref_paths]
    for path, ref in zip(ref_paths, refs):
        if len(ref) != len(hyps):
            raise DataError(f"{hyp_path} has {len(hyps)} lines but {path} has {len(ref)}",
                            hint="one segment per line, hypothesis and references aligned")
    if not hyps:
        raise DataError("no segments to score", path=hyp_path)
    return hyps, refs
