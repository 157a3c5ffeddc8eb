"""Bucket files: records grouped by bucket in one file, with the byte offset of each group.

A shard writes its records bucket by bucket (each bucket in input order) and keeps the
offsets; the merge reads bucket b of every shard, in shard order, without reading the rest.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

from lrtk.io import atomic_output


def write_buckets(path: str, buckets: Iterable[Sequence[str]]) -> list[int]:
    """Lines of every bucket in turn; returns the len(buckets) + 1 offsets that bound them."""
    offsets = [0]
    with atomic_output(path, binary=True) as fh:
        for lines in buckets:
            data = "".join(line + "\n" for line in lines).encode("utf-8")
            fh.write(data)
            offsets.append(offsets[-1] + len(data))
    return offsets


def read_bucket(path: str, offsets: Sequence[int], bucket: int) -> Iterator[str]:
    """The lines of one bucket (one bucket of one shard is small: read at once)."""
    with open(path, "rb") as fh:
        fh.seek(offsets[bucket])
        data = fh.read(offsets[bucket + 1] - offsets[bucket])
    return iter(data.decode("utf-8").splitlines())
