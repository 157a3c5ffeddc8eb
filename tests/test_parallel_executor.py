"""lrtk.parallel.executor: results in item order, and a task's function sent to each worker
process once, not with every task (a merge job carries every shard's bucket offsets)."""

from __future__ import annotations

import functools
from pathlib import Path

from lrtk.parallel.executor import parallel_map, parallel_results, run_shards
from lrtk.parallel.plan import plan_shards
from lrtk.parallel.workdir import WorkDir


class CountedPickles:
    """A job that writes a line to `log` each time it is pickled."""

    def __init__(self, log: str):
        self.log = log

    def __reduce__(self):
        with open(self.log, "a") as fh:
            fh.write("pickled\n")
        return CountedPickles, (self.log,)


def square(job: CountedPickles, x: int) -> int:
    return x * x


def write_square(job: CountedPickles, shard, folder: str) -> None:
    Path(folder, "out").write_text(str(shard.start * shard.start))


def pickles(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_results_come_in_item_order_from_two_workers(tmp_path):
    fn = functools.partial(square, CountedPickles(str(tmp_path / "log")))
    items = list(range(12))
    assert list(parallel_results(fn, items, workers=2)) == [x * x for x in items]
    assert parallel_map(fn, items, workers=2) == [x * x for x in items]
    assert parallel_map(fn, items, workers=1) == [x * x for x in items]


def test_the_function_goes_to_each_worker_once_not_with_every_item(tmp_path):
    log = tmp_path / "log"
    fn = functools.partial(square, CountedPickles(str(log)))
    assert parallel_map(fn, list(range(16)), workers=2) == [x * x for x in range(16)]
    # Forked workers inherit it (0); spawned ones unpickle it once each (2). Sent with every
    # item, it was pickled 16 times.
    assert pickles(log) <= 2


def test_shard_tasks_go_to_each_worker_once(tmp_path):
    log = tmp_path / "log"
    shards = plan_shards(160, 10, 16)
    work = WorkDir(str(tmp_path / "work"), {"stage": "test"})
    run_shards(functools.partial(write_square, CountedPickles(str(log))), shards, work, workers=2)
    assert pickles(log) <= 2
    for shard in shards:
        assert Path(work.shard_dir(shard), "out").read_text() == str(shard.start ** 2)
