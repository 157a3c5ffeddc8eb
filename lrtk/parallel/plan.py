"""Blocks and shards: contiguous ranges of input lines, fixed by the input alone."""

from __future__ import annotations

import dataclasses
import os

from lrtk.io.lines import read_lines

# Shards of about this many blocks when the user names no shard count: small enough that a
# crash loses little work and every worker stays busy, large enough that per-shard start-up
# (imports, model loading) is noise.
BLOCKS_PER_SHARD = 50


@dataclasses.dataclass(frozen=True)
class Shard:
    """Lines [start, stop) (0-based) of the input, cut into `blocks` (each a (start, stop))."""

    index: int
    count: int
    start: int
    stop: int
    blocks: tuple[tuple[int, int], ...]

    @property
    def name(self) -> str:
        return f"shard-{self.index:05d}-of-{self.count:05d}"


def count_lines(path: str | os.PathLike) -> int:
    """Physical lines of the (unzipped) file, as lrtk.io.lines numbers them."""
    n = 0
    for n, _ in read_lines(path):
        pass
    return n


def split_even(n: int, parts: int) -> list[tuple[int, int]]:
    """range(n) as `parts` consecutive ranges whose sizes differ by at most one (the first
    ones longer, as np.array_split does); ranges are empty when parts > n."""
    base, extra = divmod(n, parts)
    out, start = [], 0
    for i in range(parts):
        stop = start + base + (1 if i < extra else 0)
        out.append((start, stop))
        start = stop
    return out


def block_bounds(n: int, size: int) -> list[tuple[int, int]]:
    """range(n) cut into near-equal consecutive blocks of at most `size`: equal sizes keep the
    last block's batch statistics comparable to the others'."""
    return split_even(n, max(1, -(-n // max(1, size))))


def plan_shards(n_lines: int, block_size: int, num_shards: int | None = None) -> list[Shard]:
    """Shards of whole blocks; without `num_shards`, about BLOCKS_PER_SHARD blocks each."""
    blocks = block_bounds(n_lines, block_size)
    count = num_shards or -(-len(blocks) // BLOCKS_PER_SHARD)
    shards = []
    for i, (lo, hi) in enumerate(split_even(len(blocks), count)):
        own = tuple(blocks[lo:hi])
        # An empty shard (more shards than blocks) sits at the end of the input.
        start = own[0][0] if own else n_lines
        stop = own[-1][1] if own else n_lines
        shards.append(Shard(i, count, start, stop, own))
    return shards
