"""Hypothesis and reference files: one segment per line, all the same length.

A `.jsonl` file is read as records, one segment each, so the outputs of `lrtk summarize`
({"id", "summary"}) and `lrtk generate` (records with "output") and documents with their
reference summaries ({"id", "text", "summary"}) are scored as they are: a hypothesis is a
record's "output", else its "summary"; a reference its "summary", else its "tgt".
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from lrtk.errors import DataError, UsageError, param
from lrtk.io import read_jsonl, read_lines

HYP_FIELDS = ("output", "summary")
REF_FIELDS = ("summary", "tgt")


def is_jsonl(path: str) -> bool:
    return str(path).endswith((".jsonl", ".jsonl.gz"))


def read_segments(path: str, fields: Sequence[str] = HYP_FIELDS) -> list[str]:
    if not is_jsonl(path):
        return [text for _, text in read_lines(path)]
    out = []
    for rec in read_jsonl(path):
        name = next((f for f in fields if f in rec), None)
        if name is None or not isinstance(rec[name], str):
            raise rec.error(f"no string field {' or '.join(repr(f) for f in fields)}",
                            hint="a .jsonl file is read as records, one segment each")
        out.append(rec[name])
    return out


def parse_systems(specs: Sequence[str]) -> dict[str, str]:
    """--hyp values -> {system name: path}; NAME=PATH names a system, a bare PATH is named
    by its file name."""
    systems: dict[str, str] = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or "/" in name:
            name, path = Path(spec).name, spec
        if name in systems:
            raise UsageError(f"two {param('hyp')} systems named {name!r}",
                             hint=f"name them: {param('hyp')} lead=lead3.txt "
                                  f"{param('hyp')} mt5=mt5.txt")
        systems[name] = path
    return systems


def read_refs(ref_paths: Sequence[str]) -> list[list[str]]:
    if not ref_paths:
        raise UsageError("no reference given", hint=f"pass {param('ref')} FILE (repeat for more)")
    return [read_segments(p, REF_FIELDS) for p in ref_paths]


def check_lengths(hyp_path: str, hyps: Sequence[str], ref_paths: Sequence[str],
                  refs: Sequence[Sequence[str]]) -> None:
    """One segment per line, hypothesis and references aligned; a mismatch is a DataError."""
    for path, ref in zip(ref_paths, refs):
        if len(ref) != len(hyps):
            raise DataError(f"{hyp_path} has {len(hyps)} lines but {path} has {len(ref)}",
                            hint="one segment per line, hypothesis and references aligned")
    if not hyps:
        raise DataError("no segments to score", path=hyp_path)


def read_hyps_and_refs(hyp_path: str,
                       ref_paths: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    """The hypotheses and one list per reference file; a length mismatch is a DataError."""
    refs = read_refs(ref_paths)
    hyps = read_segments(hyp_path)
    check_lengths(hyp_path, hyps, ref_paths, refs)
    return hyps, refs
