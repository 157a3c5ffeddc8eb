"""Python side of the native runtime: open model files, generate, score perplexity, benchmark.

    from lrtk.runtime import NativeModel, Sampler, Tokenizer, generate_ids, file_perplexity
    model = NativeModel("model-q4.lrtk", threads=4)  # then generate_ids(model, ...)
    print(file_perplexity("model-q4.lrtk", "test.en", ctx=256).value)

Importing this package loads neither numpy nor the native library (the CLI reads the option
help below at every start); the names come from their modules on first use.
"""

from __future__ import annotations

import os

from lrtk import lazy_exports
from lrtk.errors import param
from lrtk.io.progress import warn

__all__ = ["MMAP_HELP", "NativeModel", "Perplexity", "Sampler", "THREADS_HELP", "Tokenizer",
           "bench_model", "check_sampling", "encode_file", "file_perplexity", "generate_ids",
           "perplexity", "stream_text", "usable_threads", "windows"]

__getattr__ = lazy_exports(__name__, {
    "NativeModel": "lrtk.runtime.binding", "Sampler": "lrtk.runtime.binding",
    "check_sampling": "lrtk.runtime.binding", "bench_model": "lrtk.runtime.bench",
    "Tokenizer": "lrtk.runtime.tokenizer", "encode_file": "lrtk.runtime.tokenizer",
    "generate_ids": "lrtk.runtime.generate", "stream_text": "lrtk.runtime.generate",
    "perplexity": "lrtk.runtime.generate", "windows": "lrtk.runtime.generate",
    "Perplexity": "lrtk.runtime.perplexity", "file_perplexity": "lrtk.runtime.perplexity",
})

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
        warn(f"{param('threads')} {threads} is more than the {cores} cores here; using {cores}")
        return cores
    return threads
