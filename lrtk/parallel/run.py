"""What every sharded stage does the same way: options, the work folder, running or merging.

A stage (filter, segment) supplies a shard task and a merge; this module decides from the
options whether this invocation runs every shard and merges (the default, in a temporary
work folder unless --work-dir), runs one shard of a cluster job (--shard-index), or only
merges the finished shards of a work folder (--merge).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import tempfile
from typing import Callable, Iterator, Optional

from lrtk.errors import UsageError, param
from lrtk.io.atomic import atomic_output, detached
from lrtk.io.lines import copy_unzipped
from lrtk.io.progress import info
from lrtk.parallel.executor import run_shards
from lrtk.parallel.plan import Shard, plan_shards
from lrtk.parallel.workdir import PLAN, WorkDir, content_hash, file_fingerprint

STDIN_COPY = "stdin.data"  # where a work folder keeps a spooled stdin


@dataclasses.dataclass
class ShardOptions:
    workers: int = 1
    num_shards: Optional[int] = None
    shard_index: Optional[int] = None
    work_dir: Optional[str] = None
    merge_only: bool = False
    executor: str = "local"
    ray_address: Optional[str] = None

    def check(self, input: Optional[str]) -> None:
        """Option combinations that cannot work, refused before any reading."""
        if self.shard_index is not None:
            if self.num_shards is None or self.work_dir is None:
                raise UsageError(f"{param('shard_index')} needs {param('num_shards')} and "
                                 f"{param('work_dir')}",
                                 hint="each shard writes into the shared work folder")
            if not 0 <= self.shard_index < self.num_shards:
                raise UsageError(f"{param('shard_index')} {self.shard_index} is not in "
                                 f"0..{self.num_shards - 1}")
            if input == "-":
                raise UsageError("a shard cannot read stdin", hint="give the input as a file")
        if self.merge_only and self.work_dir is None:
            raise UsageError(f"{param('merge')} needs {param('work_dir')}",
                             hint="the folder the shards wrote into")


@contextlib.contextmanager
def work_folder(opts: ShardOptions, input: str, stage: str) -> Iterator[tuple[str, str]]:
    """(work folder, input file): --work-dir, or a temporary folder removed afterwards.
    stdin is spooled into the folder, since shards read their lines by position."""
    temporary = opts.work_dir is None
    folder = tempfile.mkdtemp(prefix=f"lrtk-{stage}-") if temporary else opts.work_dir
    try:
        os.makedirs(folder, exist_ok=True)
        path = input
        if input == "-":
            path = os.path.join(folder, STDIN_COPY)
            with detached(), atomic_output(path, binary=True) as fh:
                copy_unzipped("-", fh)
        yield folder, path
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)


def input_fingerprint(given: str, path: str) -> dict:
    # A spooled stdin has no identity of its own but its content.
    return {"stdin": content_hash(path)} if given == "-" else file_fingerprint(path)


def run_stage(opts: ShardOptions, folder: str, fingerprint: dict, shards: list[Shard],
              task: Callable[[Shard, str], None],
              merge: Callable[[list[str], dict], None],
              finished: Optional[Callable[[Shard, str], None]] = None) -> None:
    """Run the shards this invocation is for; merge when all of them are done. `finished`:
    see run_shards (only when this invocation merges)."""
    fingerprint = {**fingerprint, "shards": len(shards)}
    stage = fingerprint["stage"]
    # The work folder is written as the shards finish; only the merge writes the outputs.
    with detached():
        work = WorkDir(folder, fingerprint)
        if opts.shard_index is not None:
            run_shards(task, [shards[opts.shard_index]], work, desc=f"{stage} shard")
            info(f"{stage}: shard {opts.shard_index} of {len(shards)} done in {folder} "
                 f"(join the shards with {param('merge')})")
            return
        run_shards(task, shards, work, workers=opts.workers, executor=opts.executor,
                   ray_address=opts.ray_address, desc=stage, finished=finished)
    merge([work.shard_dir(s) for s in shards], fingerprint)


def merge_only(opts: ShardOptions, stage: str,
               merge: Callable[[list[str], dict], None]) -> None:
    """--merge: join the finished shards of --work-dir (all of them must be finished)."""
    plan = os.path.join(opts.work_dir, PLAN)
    try:
        with open(plan, encoding="utf-8") as fh:
            fingerprint = json.load(fh)
        count = fingerprint["shards"]
        if fingerprint["stage"] != stage:
            raise ValueError
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(f"no sharded {stage} run in this folder (plan.json missing, damaged or "
                         f"of another stage)", path=opts.work_dir,
                         hint=f"run the shards with {param('work_dir')} first") from None
    if opts.num_shards is not None and opts.num_shards != count:
        raise UsageError(f"the work folder holds {count} shards, not {opts.num_shards}",
                         path=opts.work_dir)
    work = WorkDir(opts.work_dir, fingerprint)
    shards = plan_shards(0, 1, count)  # only their names matter here
    missing = work.missing(shards)
    if missing:
        raise UsageError(f"{len(missing)} of {count} shards are not finished (first: shard "
                         f"{missing[0].index})", path=opts.work_dir,
                         hint="run them (rerunning a shard command resumes) before "
                              f"{param('merge')}")
    merge([work.shard_dir(s) for s in shards], fingerprint)
