"""The plan as a fairseq2 DataPipeline (the `[fairseq2]` extra, its own environment).

Per phase: each language's `read_text` pipeline, shuffled and repeated without end, is
sampled with the phase's draw probabilities and cut with `take(draws)`; the phases are then
concatenated in order. `sample` alone would only stop once every language was exhausted,
so the fixed budget comes from repeat + take. Records have the python backend's shape.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lrtk.errors import DataError, UsageError, param
from lrtk.sampling.corpus import CorpusSpec, scan_corpora
from lrtk.sampling.plan import Plan
from lrtk.sampling.stream import check_corpora

SHUFFLE_WINDOW = 10_000  # examples buffered per language for shuffling


def build_pipeline(plan: Plan, *, seed: int = 0):
    """A fairseq2 DataPipeline yielding {"lang", "phase", "text"[, "id"][, "weight"]}."""
    try:
        from fairseq2.data.data_pipeline import DataPipeline
    except ImportError:
        raise UsageError("fairseq2 is not installed in this environment",
                         hint="run `make setup-fairseq2` and use .venv-fairseq2/bin/python") from None
    for spec in plan.corpora:
        for path in spec.paths:
            _check_readable(path)
    # One scan up front turns bad records into file:line errors instead of pipeline errors.
    check_corpora(plan, scan_corpora(plan.corpora))
    phases = []
    for phase in plan.phases:
        sources = [_language_source(spec, phase.index, seed, phase.weights[spec.lang]
                                    if plan.mode == "upweight" else None)
                   for spec in plan.corpora]
        weights = [phase.draw_probs[spec.lang] for spec in plan.corpora]
        phases.append(DataPipeline.sample(sources, weights=weights, seed=seed + phase.index)
                      .take(phase.draws).and_return())
    return DataPipeline.concat(phases).and_return()


def _language_source(spec: CorpusSpec, phase: int, seed: int, weight: float | None):
    from fairseq2.data.data_pipeline import DataPipeline
    from fairseq2.data.text import read_text

    def to_record(line: str) -> dict:
        line = line.rstrip("\r\n")  # read_text keeps the line ending
        rec: dict = {"lang": spec.lang, "phase": phase}
        if spec.fmt == "jsonl":
            obj = json.loads(line)
            rec["text"] = obj[spec.field]
            if obj.get("id") is not None:
                rec["id"] = str(obj["id"])
        else:
            rec["text"] = line
        if weight is not None:
            rec["weight"] = weight
        return rec

    files = [read_text(Path(path), skip_empty=True).and_return() for path in spec.paths]
    return (DataPipeline.concat(files)
            .filter(lambda line: bool(line.strip()))
            .shuffle(SHUFFLE_WINDOW, seed=seed)
            .map(to_record)
            .repeat()
            .and_return())


def _check_readable(path: str) -> None:
    """read_text cannot unzip and fails obscurely on a missing final newline; say so up
    front (the python backend reads both)."""
    if path.endswith(".gz"):
        raise UsageError("the fairseq2 backend reads plain text only", path=path,
                         hint=f"decompress it first (gunzip -k), or use {param('backend')} python")
    if not os.path.isfile(path):
        raise UsageError("file not found", path=path, hint="check the path")
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        if fh.tell() == 0:
            return
        fh.seek(-1, os.SEEK_END)
        if fh.read(1) != b"\n":
            raise DataError("last line has no newline, which fairseq2's read_text rejects",
                            path=path, hint=f"append one: echo >> {path}")
