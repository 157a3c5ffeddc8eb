"""The model a sharded stage fits once and every shard loads (filter's chain, align's
dictionary)."""

from __future__ import annotations

import concurrent.futures
from typing import Any, Callable, Optional

from lrtk.io.atomic import detached


def fit_once(fit: Callable[[], Any], save: Callable[[str, Any], None], path: str,
             model_out: Optional[str], fit_only: bool) -> Optional[str]:
    """Run `fit` (picklable) and save what it returns to --model-out if given and to `path` in
    the work folder; the file the shards load (model_out alone under --fit-only)."""
    # Fitted in a child process: IBM 1 training's memory goes back to the system with it,
    # instead of staying in this process and in every worker forked from it.
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as pool:
        document = pool.submit(fit).result()
    if model_out:
        save(model_out, document)
    if fit_only:
        return model_out
    with detached():  # the shards load it while this command runs
        save(path, document)
    return path
