"""Running shards: in this process, in a local process pool, or as Ray tasks.

A shard task is `task(shard, folder)`: a picklable top-level callable (a functools.partial of
one) that writes the shard's outputs into `folder`. Whatever runs it, the marker is written
only after the task returned, so a task killed anywhere leaves a shard that a rerun redoes.
"""

from __future__ import annotations

import concurrent.futures
import os
import sys
from typing import Callable, Iterator, Optional, Sequence, TypeVar

from lrtk.errors import UsageError, param
from lrtk.io.progress import bars_enabled
from lrtk.parallel.plan import Shard
from lrtk.parallel.workdir import WorkDir

EXECUTORS = ("local", "ray")
Task = Callable[[Shard, str], None]
Finished = Callable[[Shard, str], None]  # (shard, its folder)
T, R = TypeVar("T"), TypeVar("R")


def default_workers() -> int:
    """All cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_shards(task: Task, shards: Sequence[Shard], work: WorkDir, *, workers: int = 1,
               executor: str = "local", ray_address: Optional[str] = None,
               desc: str = "shards", finished: Optional[Finished] = None) -> None:
    """Run every shard of `shards` that `work` has no completion marker for. `finished(shard,
    folder)` is called here for every shard once it is complete, those of an earlier run
    first, then each as it completes (a stage may join outputs while the workers run)."""
    pending = work.missing(list(shards))
    bar = _Bar(sum(s.stop - s.start for s in shards), desc,
               done=sum(s.stop - s.start for s in shards if s not in pending))

    def done(shard: Shard) -> None:
        work.finish(shard)
        bar.update(shard)
        if finished:
            finished(shard, work.shard_dir(shard))

    try:
        for shard in shards:
            if finished and shard not in pending:
                finished(shard, work.shard_dir(shard))
        if executor == "ray":
            _run_ray(task, pending, work, ray_address, done)
        elif workers <= 1 or len(pending) <= 1:
            for shard in pending:
                task(shard, work.start(shard))
                done(shard)
        else:
            _run_pool(task, pending, work, workers, done)
    finally:
        bar.close()


def _run_pool(task: Task, pending: Sequence[Shard], work: WorkDir, workers: int,
              done: Callable[[Shard], None]) -> None:
    with _pool(task, min(workers, len(pending))) as pool:
        futures = {pool.submit(_run_installed, shard, work.start(shard)): shard
                   for shard in pending}
        try:
            for future in concurrent.futures.as_completed(futures):
                future.result()  # a worker's LrtkError is raised here, as one error line
                done(futures[future])
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def _run_ray(task: Task, pending: Sequence[Shard], work: WorkDir, address: Optional[str],
             done: Callable[[Shard], None]) -> None:
    ray = _joined_ray(address)
    remote = ray.remote(_apply)
    task_ref = ray.put(task)  # stored once, not serialised again for every task
    refs = {remote.remote(task_ref, shard, work.start(shard)): shard for shard in pending}
    waiting = list(refs)
    while waiting:
        ready, waiting = ray.wait(waiting, num_returns=1)
        try:
            ray.get(ready[0])
        except ray.exceptions.RayTaskError as e:
            raise e.cause from None  # the task's own (one-line) error
        done(refs[ready[0]])


def parallel_map(fn: Callable[[T], R], items: Sequence[T], *, workers: int = 1,
                 executor: str = "local", ray_address: Optional[str] = None) -> list[R]:
    """[fn(item) for item in items], run like shards (in this process, a local process pool
    or Ray tasks): for a stage's merge, whose parts are independent but not resumable."""
    return list(parallel_results(fn, items, workers=workers, executor=executor,
                                 ray_address=ray_address))


def parallel_results(fn: Callable[[T], R], items: Sequence[T], *, workers: int = 1,
                     executor: str = "local", ray_address: Optional[str] = None) -> Iterator[R]:
    """parallel_map's results in item order, each given out once it and those before it are
    done: a caller that folds them holds a few at a time, not one per item."""
    if executor == "ray":
        ray = _joined_ray(ray_address)
        remote = ray.remote(_apply)
        fn_ref = ray.put(fn)
        refs = [remote.remote(fn_ref, item) for item in items]
        for ref in refs:
            try:
                yield ray.get(ref)
            except ray.exceptions.RayTaskError as e:
                raise e.cause from None
    elif workers <= 1 or len(items) <= 1:
        yield from map(fn, items)
    else:
        with _pool(fn, min(workers, len(items))) as pool:
            yield from pool.map(_run_installed, items)


# In a worker process of _pool: the function that its tasks run.
_installed: Optional[Callable] = None


def _pool(fn: Callable, workers: int) -> concurrent.futures.ProcessPoolExecutor:
    """A process pool whose workers get `fn` once, as they start; a task then sends only its
    own arguments. Sent with every task, a functools.partial sends its job each time: the
    corpus merge's job holds every shard's bucket offsets, 21 MB at 25.6M lines (2,560
    shards x 2 x 513), for each of its 1,024 tasks."""
    return concurrent.futures.ProcessPoolExecutor(max_workers=workers, initializer=_install,
                                                  initargs=(fn,))


def _install(fn: Callable) -> None:
    global _installed
    _installed = fn


def _run_installed(*args):
    return _installed(*args)


def call(fn: Callable[[], R]) -> R:
    """fn(): for parallel_map over tasks of different kinds (functools.partial objects)."""
    return fn()


def _joined_ray(address: Optional[str]):
    """The ray module, joined to the cluster at `address` (or a new local one)."""
    try:
        import ray
    except ImportError:
        raise UsageError(f"{param('executor')} ray needs Ray",
                         hint="pip install 'lrtk[ray]'") from None
    if not ray.is_initialized():
        # Without an address Ray starts (and at exit stops) a local cluster of this machine.
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False,
                     configure_logging=False)
        except (ConnectionError, RuntimeError, ray.exceptions.RayError) as e:
            # Ray's own message is many lines (a chained traceback): its first one says why.
            why = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise UsageError(f"cannot join the Ray cluster at {address or 'a new local one'}: "
                             f"{why}", hint=f"check {param('ray_address')}, and that this "
                             "machine may reach the head (docs/scale.md, On a Ray "
                             "cluster)") from None
    return ray


def _apply(fn: Callable, *args):
    """fn(*args), as a Ray task: Ray gives the task fn from the object store (ray.put)."""
    return fn(*args)


class _Bar:
    """One progress bar over all shards, in input lines (only on a terminal)."""

    def __init__(self, total: int, desc: str, done: int):
        self._bar = None
        if bars_enabled():
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=done, desc=desc, unit="line", file=sys.stderr,
                             dynamic_ncols=True, leave=False)

    def update(self, shard: Shard) -> None:
        if self._bar is not None:
            self._bar.update(shard.stop - shard.start)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
