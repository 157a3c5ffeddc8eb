"""The metrics log: one JSON object per line (train loss, learning rate, eval losses)."""

from __future__ import annotations

import json
import os


class MetricsLog:
    """Appends records to a JSONL file as they happen and keeps them for checkpoints.

    The file is first written by `restore`: empty for a fresh run, the checkpoint's records
    on resume, so an interrupted and a resumed run leave the same log as one uninterrupted
    run, and a resume refused before it starts leaves the old log alone.
    """

    def __init__(self, path: str | os.PathLike | None):
        self.path = path
        self.records: list[dict] = []

    def write(self, record: dict) -> None:
        self.records.append(record)
        if self.path is not None:
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(_line(record))

    def restore(self, records: list[dict]) -> None:
        self.records = []
        if self.path is not None:
            open(self.path, "w", encoding="utf-8").close()
        for rec in records:
            self.write(rec)

    def save(self, path: str | os.PathLike) -> None:
        """Write all records to `path` (a run that kept its log in memory)."""
        with open(path, "w", encoding="utf-8") as fh:
            fh.writelines(_line(rec) for rec in self.records)

    def series(self, key: str) -> list[tuple[int, float]]:
        """(step, value) pairs of every record that has `key`: a loss curve."""
        return [(r["step"], r[key]) for r in self.records if key in r]


def _line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
