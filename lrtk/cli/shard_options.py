"""Kept for one release for code that still imports the shard options from here: they are
defined in lrtk.cli.options (use its `sharded` decorator rather than listing them)."""

from lrtk.cli.options import (EXECUTOR, MERGE, NUM_SHARDS, RAY_ADDRESS, SHARD_INDEX, WORK_DIR,
                              WORKERS, shard_options)

__all__ = ["EXECUTOR", "MERGE", "NUM_SHARDS", "RAY_ADDRESS", "SHARD_INDEX", "WORK_DIR", "WORKERS",
           "shard_options"]
