"""Joining shard outputs: byte concatenation in shard order, written atomically."""

from __future__ import annotations

import shutil
from typing import Sequence

from lrtk.io.atomic import atomic_output


def concat(parts: Sequence[str], output: str) -> None:
    with atomic_output(output, binary=True) as out:
        for part in parts:
            with open(part, "rb") as fh:
                shutil.copyfileobj(fh, out, 1 << 20)
