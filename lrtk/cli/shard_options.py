"""The options every sharded data stage shares (lrtk.parallel), defined once."""

from __future__ import annotations

import functools
import inspect
from typing import Callable, Optional

import typer

WORKERS = typer.Option(0, "--workers", min=0, help="Processes (0 = every core).")
NUM_SHARDS = typer.Option(None, "--num-shards", min=1,
                          help="Cut the input into this many shards (default: by size).")
SHARD_INDEX = typer.Option(None, "--shard-index", min=0,
                           help="Run only this shard (needs --num-shards and --work-dir).")
WORK_DIR = typer.Option(None, "--work-dir",
                        help="Keep shard outputs here; a rerun resumes unfinished shards.")
MERGE = typer.Option(False, "--merge", help="Only join the finished shards of --work-dir.")
EXECUTOR = typer.Option("local", "--executor", help="local (processes) or ray.")
RAY_ADDRESS = typer.Option(None, "--ray-address",
                           help="Ray cluster to run on (default: start one on this machine).")


def shard_options(workers: int, num_shards: Optional[int], shard_index: Optional[int],
                  work_dir: Optional[str], merge: bool, executor: str,
                  ray_address: Optional[str]):
    from lrtk.errors import UsageError
    from lrtk.parallel import EXECUTORS
    from lrtk.parallel.executor import default_workers
    from lrtk.parallel.run import ShardOptions

    if executor not in EXECUTORS:
        raise UsageError(f"unknown executor {executor!r}", hint=f"choose {' or '.join(EXECUTORS)}")
    return ShardOptions(workers or default_workers(), num_shards, shard_index, work_dir, merge,
                        executor, ray_address)


_OPTIONS = {"workers": (int, WORKERS), "num_shards": (Optional[int], NUM_SHARDS),
            "shard_index": (Optional[int], SHARD_INDEX), "work_dir": (Optional[str], WORK_DIR),
            "merge": (bool, MERGE), "executor": (str, EXECUTOR),
            "ray_address": (Optional[str], RAY_ADDRESS)}


def with_shard_options(command: Callable) -> Callable:
    """Give a typer command the shard options: they are added to its parameters (after its
    own, so --help lists them last) and reach it as one `shards` ShardOptions argument."""
    signature = inspect.signature(command)
    own = [p for p in signature.parameters.values() if p.name != "shards"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=option,
                               annotation=kind) for name, (kind, option) in _OPTIONS.items()]

    @functools.wraps(command)
    def run(**params):
        values = {name: params.pop(name) for name in _OPTIONS}
        return command(**params, shards=shard_options(**values))

    run.__signature__ = signature.replace(parameters=own + added)  # type: ignore[attr-defined]
    run.__annotations__ = {**command.__annotations__,
                           **{name: kind for name, (kind, _) in _OPTIONS.items()}}
    return run
