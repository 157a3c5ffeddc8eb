"""Python side of the native runtime: open model files, generate, score perplexity, benchmark."""

from __future__ import annotations

import os

from lrtk.io.progress import warn

# The help of the options every command that opens a model file shares; kept here so the CLI
# can show it without loading numpy or the native library.
THREADS_HELP = "Threads of the kernel pool (0: one per core; more than the cores: the cores)."
MMAP_HELP = ("Memory-map the model file instead of reading it into huge-page memory: starts at "
             "once and shares the page cache, but decodes slower.")


def usable_threads(threads: int) -> int:
    """The thread count a kernel pool gets: 0 means one per core, and more threads than cores
    are capped at the cores with a note, since they only contend (a pool of 10000 threads
    takes minutes to start and then waits at every barrier)."""
    cores = os.cpu_count() or 1
    if threads == 0:
        return cores
    if threads > cores:
        warn(f"--threads {threads} is more than the {cores} cores here; using {cores}")
        return cores
    return threads
