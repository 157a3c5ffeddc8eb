"""Keeping the memory that align and filter free inside the process, for the next pass to reuse.

Every pass of the aligners over a document pair allocates arrays of (sentences x 1024) float32
(block vectors and their temporaries: 40 MB each at 10,000 sentences) and frees them again;
filter does the same for each block of pairs and each IBM 1 training. glibc
serves an allocation that large with a fresh mmap and unmaps it when it is freed, so each
pass page-faults its arrays back in from the kernel: at 10,000 sentences a third of the CPU
time went to the kernel. Served from the heap, and with the heap's free top kept rather than
trimmed, freed arrays are reused. Only the allocator's policy changes, never a number, and
a process keeps its peak memory until it exits either way.

numpy also asks the kernel for transparent huge pages for every array over 4 MB
(madvise(MADV_HUGEPAGE)). Where the kernel defragments on demand for such regions (the usual
`defrag = madvise` setting), a fault in them may wait for memory compaction: on a busy machine
that was 1 to 2.5 of the 10k benchmark's 11 to 13 CPU seconds in the kernel, against 0.3 s
with ordinary pages (more faults, each cheap). These arrays are touched a few times each,
so the huge pages' fewer TLB misses do not pay for it: align and filter processes turn the
advice off.
"""

from __future__ import annotations

import ctypes
import functools

# mallopt parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
LIMIT = 1 << 30  # allocations below 1 GiB from the heap; up to 1 GiB of free heap kept


@functools.lru_cache(maxsize=None)
def keep_freed_memory() -> None:
    """Set the allocator policy above, once per process (the mallopt part only with glibc)."""
    _no_huge_page_advice()
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt(M_MMAP_THRESHOLD, LIMIT)
    mallopt(M_TRIM_THRESHOLD, LIMIT)


def _no_huge_page_advice() -> None:
    """numpy's switch for the advice (NUMPY_MADVISE_HUGEPAGE=0 at import), for a running
    process; nothing where this numpy lacks it."""
    import numpy as np

    core = getattr(np, "_core", None) or np.core  # numpy 2 / numpy 1
    switch = getattr(core.multiarray, "_set_madvise_hugepage", None)
    if switch is not None:
        switch(False)
