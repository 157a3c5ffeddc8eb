"""Sharded, resumable, multi-core runs of the data stages (filter, segment).

One design for every stage and every executor:

- `plan`: the input's lines are cut into blocks (the unit a stage's batch logic sees) and
  the blocks into contiguous shards; both depend only on the input, never on the worker
  count, so every executor and every worker count computes the same thing.
- `WorkDir`: each shard writes its outputs into its own folder, every file atomically, and a
  completion marker last; a rerun skips shards whose marker matches the run's fingerprint and
  redoes the rest, so a half-written shard is never reused.
- `executor.run_shards`: runs the pending shards in this process, in a local process pool or
  as Ray tasks; `merge.concat` joins the shard outputs in shard order (the bytes of a
  single-process run).
"""

from lrtk.parallel.executor import EXECUTORS, run_shards
from lrtk.parallel.merge import concat
from lrtk.parallel.plan import Shard, block_bounds, count_lines, plan_shards
from lrtk.parallel.workdir import WorkDir

__all__ = ["EXECUTORS", "Shard", "WorkDir", "block_bounds", "concat", "count_lines",
           "plan_shards", "run_shards"]
