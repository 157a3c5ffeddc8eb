"""The work folder of a sharded run: per-shard outputs and completion markers.

    WORK/plan.json                   the run's fingerprint (input, options, model, shards)
    WORK/shard-00003-of-00008/...    that shard's outputs, each written atomically
    WORK/shard-00003-of-00008/DONE   written last: the shard is complete

A rerun with the same fingerprint skips shards that have DONE; any other shard folder is
half-written (killed mid-way) and is redone from scratch. A different fingerprint is refused
rather than mixed in.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil

from lrtk.errors import UsageError, param
from lrtk.io.atomic import write_json
from lrtk.io.lines import read_bytes
from lrtk.parallel.plan import Shard

MARKER = "DONE"
PLAN = "plan.json"


def file_fingerprint(path: str) -> dict:
    """What identifies an input file's content cheaply: its path, size and modification time."""
    st = os.stat(path)
    return {"path": os.path.abspath(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def content_hash(path: str) -> str:
    """SHA-256 of a (small) file's content, e.g. a model or a config."""
    return hashlib.sha256(read_bytes(path)).hexdigest()


class WorkDir:
    def __init__(self, path: str, fingerprint: dict):
        self.path = path
        self.fingerprint = fingerprint
        os.makedirs(path, exist_ok=True)
        plan = os.path.join(path, PLAN)
        if os.path.exists(plan):
            with open(plan, encoding="utf-8") as fh:
                try:
                    old = json.load(fh)
                except json.JSONDecodeError:
                    old = None
            if old != fingerprint:
                raise UsageError("the work folder holds shards of a different run (other input, "
                                 "options, model or shard count)", path=path,
                                 hint=f"use a new {param('work_dir')}, or delete this one")
        else:
            write_json(fingerprint, plan)

    def shard_dir(self, shard: Shard) -> str:
        return os.path.join(self.path, shard.name)

    def done(self, shard: Shard) -> bool:
        return os.path.exists(os.path.join(self.shard_dir(shard), MARKER))

    def start(self, shard: Shard) -> str:
        """A clean folder for the shard: leftovers of a killed attempt are removed."""
        folder = self.shard_dir(shard)
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        return folder

    def finish(self, shard: Shard) -> None:
        write_json({"shard": shard.index, "of": shard.count}, os.path.join(self.shard_dir(shard),
                                                                         MARKER))

    def missing(self, shards: list[Shard]) -> list[Shard]:
        return [s for s in shards if not self.done(s)]
