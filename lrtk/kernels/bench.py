"""GEMV benchmark of the T-MAC kernels against baselines measured in the same process.

Weights are streamed from memory: every timed call reads the next of several copies that
together hold at least `stream_mb` megabytes, so no cache can keep them. Baselines: the
dequantize-then-dot C GEMV on the same bits per weight (lrtk_bench.h), numpy float32 matvec,
and the machine's read bandwidth: a threaded C sum over buffers of the weights' size, timed
alternately with the kernel so that both see the same load on a shared machine.
"""

from __future__ import annotations

import ctypes
import math
import mmap
import time
from functools import lru_cache

import numpy as np

from lrtk import native
from lrtk.kernels.binding import (
    KERNELS,
    TERNARY,
    PackedMatrix,
    Pool,
    available_kernels,
    c_api,
    check,
    cpu_features,
    get_kernel,
    pack,
    prefetch_bytes,
    qtype_of,
    require_kernel,
    set_kernel,
)


class DequantMatrix(ctypes.Structure):
    _fields_ = [("planes", ctypes.c_int), ("m", ctypes.c_int), ("k", ctypes.c_int),
                ("group_size", ctypes.c_int), ("words", ctypes.c_void_p),
                ("scales", ctypes.c_void_p), ("zeros", ctypes.c_void_p)]


@lru_cache(maxsize=None)
def _c():
    f, p = native.function, ctypes.c_void_p
    return {
        "gemm": c_api()["gemm"],
        "set_kernel": c_api()["set_kernel"],
        "dequant": f("lrtk_dequant_gemv", ctypes.c_int, p, ctypes.POINTER(DequantMatrix), p, p),
        "read_sum": f("lrtk_read_sum", ctypes.c_uint64, p, p, ctypes.c_size_t),
        "read_sum_prefetch": f("lrtk_read_sum_prefetch", ctypes.c_uint64, p, p, ctypes.c_size_t),
    }


def _copies(nbytes: int, stream_mb: float) -> int:
    return max(2, math.ceil(stream_mb * 2**20 / nbytes))


def timed(*call_lists, min_iters: int = 30, min_seconds: float = 0.5) -> list[list[float]]:
    """Milliseconds per call for each list of calls, after one warm-up round. The lists are
    timed alternately (a0 b0 a1 b1 ...), each cycling through its calls (streamed copies)."""
    for calls in call_lists:
        for call in calls:
            call()
    times: list[list[float]] = [[] for _ in call_lists]
    start = time.perf_counter()
    i = 0
    while i < min_iters or time.perf_counter() - start < min_seconds:
        for calls, out in zip(call_lists, times):
            call = calls[i % len(calls)]
            t0 = time.perf_counter()
            call()
            out.append((time.perf_counter() - t0) * 1e3)
        i += 1
    return times


def random_weights(qtype: int, m: int, k: int, group_size: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    top = 2 if qtype == TERNARY else (1 << qtype) - 1
    codes = rng.integers(0, top + 1, (m, k), dtype=np.uint8)
    scales = rng.uniform(0.01, 0.1, (m, k // group_size)).astype(np.float32)
    x = rng.standard_normal(k).astype(np.float32)
    return codes, scales, x


HUGE_PAGE = 2 << 20


class StreamArena:
    """One anonymous mapping holding every streamed copy, advised to use transparent huge
    pages where the kernel allows it. A GEMV touches each of its pages once; with 4 KiB pages
    that is a TLB miss every 4 KiB, which cost 10-25% of read bandwidth on the 2-vCPU VM this
    was measured on. The model runtime loads its weights the same way, and every baseline
    here reads from the same kind of memory, so the comparisons stay fair."""

    def __init__(self, nbytes: int):
        self._map = mmap.mmap(-1, nbytes + HUGE_PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        advice = getattr(mmap, "MADV_HUGEPAGE", None)
        if advice is not None:
            self._map.madvise(advice)
        raw = np.frombuffer(self._map, dtype=np.uint8)
        start = (-raw.ctypes.data) % HUGE_PAGE
        self._free = raw[start:start + nbytes]

    def take(self, count: int, dtype) -> np.ndarray:
        """`count` items of `dtype`, 64-byte aligned, not yet written (write them before
        timing: untouched pages all map the kernel's one zero page)."""
        nbytes = count * np.dtype(dtype).itemsize
        if nbytes > self._free.size:
            raise MemoryError("stream arena is full")
        step = min((nbytes + 63) // 64 * 64, self._free.size)  # the last one needs no padding
        out, self._free = self._free[:nbytes].view(dtype), self._free[step:]
        return out

    def copy(self, a: np.ndarray) -> np.ndarray:
        """A 64-byte aligned copy of `a` (flattened) inside the arena."""
        out = self.take(a.size, a.dtype)
        out[:] = a.ravel()
        return out


def _arena(arrays, copies: int) -> StreamArena:
    return StreamArena(copies * sum((a.nbytes + 63) // 64 * 64 for a in arrays if a is not None))


def tmac_calls(w: PackedMatrix, x, pool: Pool, *, stream_mb: float = 256,
               kernels: tuple[str | None, ...] = (None,)) -> list[list]:
    """For each of `kernels`, one lrtk_tmac_gemm (batch 1) call per streamed copy of w. None
    runs the kernel set now; a name switches to it before each call (the choice is
    process-wide and the lists are timed alternately; a switch costs well under 1% of a
    streamed GEMV, the same for every kernel). The lists share the copies, each starting
    further on, so that no call finds its copy in cache from another kernel's call."""
    c = _c()
    n = _copies(w.nbytes, stream_mb)
    arena = _arena((w.packed, w.scales, w.zeros), n)
    copies = [PackedMatrix(w.qtype, w.m, w.k, w.group_size, arena.copy(w.packed),
                           arena.copy(w.scales), None if w.zeros is None else arena.copy(w.zeros))
              for _ in range(n)]
    structs = [ctypes.byref(cp.struct) for cp in copies]
    y = np.empty(w.m, np.float32)
    xp, yp, handle = x.ctypes.data, y.ctypes.data, pool.handle
    check(c["gemm"](handle, structs[0], xp, 1, yp))
    keep = (copies, x, y)  # the closures hold raw pointers: keep the arrays behind them alive
    lists = []
    for i, name in enumerate(kernels):
        order = [structs[(j + i * n // len(kernels)) % n] for j in range(n)]
        if name is None:
            lists.append([lambda s=s, keep=keep: c["gemm"](handle, s, xp, 1, yp) for s in order])
        else:
            lists.append([lambda s=s, keep=keep, k=KERNELS[name]:
                          (c["set_kernel"](k), c["gemm"](handle, s, xp, 1, yp)) for s in order])
    return lists


def dequant_layout(codes: np.ndarray, scales: np.ndarray, qtype: int, group_size: int):
    """The baseline's row-major bit planes (uint32 per 32 columns), half scales and zero
    points (halves, as the T-MAC layout stores its scales)."""
    m, k = codes.shape
    planes = 2 if qtype == TERNARY else qtype
    blocks = codes.reshape(m, k // 32, 32).astype(np.uint32)
    shifts = np.arange(32, dtype=np.uint32)
    words = np.stack([(((blocks >> j) & 1) << shifts).sum(axis=2, dtype=np.uint32)
                      for j in range(planes)], axis=2)  # (m, k/32, planes)
    zero = 1.0 if qtype == TERNARY else ((1 << qtype) - 1) / 2
    return (planes, np.ascontiguousarray(words), np.asarray(scales, np.float32).astype(np.float16),
            np.full(scales.shape, zero, np.float16))


def dequant_calls(codes, scales, x, qtype, group_size, pool: Pool, *, stream_mb: float = 256):
    """One dequantize-then-dot C GEMV call per streamed copy, and the y they write."""
    c = _c()
    m, k = codes.shape
    planes, words, scales, zeros = dequant_layout(codes, scales, qtype, group_size)
    n = _copies(words.nbytes + scales.nbytes + zeros.nbytes, stream_mb)
    arena = _arena((words, scales, zeros), n)
    copies = [(arena.copy(words), arena.copy(scales), arena.copy(zeros)) for _ in range(n)]
    structs = [DequantMatrix(planes, m, k, group_size, wd.ctypes.data, s.ctypes.data, z.ctypes.data)
               for wd, s, z in copies]
    y = np.empty(m, np.float32)
    xp, yp, handle = x.ctypes.data, y.ctypes.data, pool.handle
    check(c["dequant"](handle, ctypes.byref(structs[0]), xp, yp))
    calls = [lambda s=ctypes.byref(s), keep=(cp, x, y): c["dequant"](handle, s, xp, yp)
             for s, cp in zip(structs, copies)]
    return calls, y


def read_calls(pool: Pool, chunk_bytes: int, *, stream_mb: float = 256) -> tuple[list, list]:
    """Threaded sequential reads of `chunk_bytes` per call, rotating over >= stream_mb: the
    GEMV's memory traffic without its arithmetic. Two lists of calls over the same buffer: a
    plain read, and one that asks for each line 8 KiB ahead, non-temporally, as the decoding
    kernels do. On Zen 5 the prefetching read was 15-25% faster, while software prefetch
    slowed the AVX-512 kernel on Zen 4, so neither is assumed the faster: a read bandwidth is
    the faster of the two."""
    c = _c()
    chunk_words = max(1, chunk_bytes // 8)
    count = chunk_words * _copies(chunk_words * 8, stream_mb)
    buffer = StreamArena(count * 8).take(count, np.uint64)
    buffer.fill(1)
    handle = pool.handle

    def calls(read):
        return [lambda ptr=buffer[i:].ctypes.data, keep=buffer: read(handle, ptr, chunk_words)
                for i in range(0, buffer.size, chunk_words)]

    # timed() alternates the lists call by call: the prefetching one starts half the buffer
    # away, or it would read each chunk straight after the plain one, from cache.
    plain, prefetching = calls(c["read_sum"]), calls(c["read_sum_prefetch"])
    half = len(prefetching) // 2
    return plain, prefetching[half:] + prefetching[:half]


def numpy_f32_calls(codes, scales, x, qtype, group_size, *, stream_mb: float = 256):
    """numpy float32 W @ x on the dequantized weights, one call per streamed copy."""
    from lrtk.kernels.reference import dequantize

    w = dequantize(codes, scales, qtype=qtype, group_size=group_size).astype(np.float32)
    n = _copies(w.nbytes, stream_mb)
    arena = _arena((w,), n)
    copies = [arena.copy(w).reshape(w.shape) for _ in range(n)]
    return [lambda w=w: w @ x for w in copies]


def time_numpy_f32(codes, scales, x, qtype, group_size, *, threads: int | None = None,
                   stream_mb: float = 256) -> float:
    """Median ms of numpy float32 matvec, the BLAS limited to `threads` where threadpoolctl
    is installed."""
    from contextlib import nullcontext

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    calls = numpy_f32_calls(codes, scales, x, qtype, group_size, stream_mb=stream_mb)
    with threadpool_limits(threads) if threads and threadpool_limits else nullcontext():
        (times,) = timed(calls, min_iters=5, min_seconds=0.3)
    return float(np.median(times))


def against_kernels(spec: str) -> tuple[str, ...]:
    """--against: 'simd' (every SIMD kernel this CPU runs; bench_gemv drops the row's own),
    'none', or a comma list of kernel names, each checked to run here."""
    simd = tuple(name for name in available_kernels() if name != "scalar")
    names = {"none": (), "simd": simd}.get(spec, tuple(spec.split(",")))
    for name in names:
        require_kernel(name)
    return names


def bench_gemv(bits, m: int, k: int, threads: int = 1, group_size: int = 128, *,
               stream_mb: float = 256, numpy_f32_ms: float | None = None, seed: int = 0,
               kernel: str = "auto", against: tuple[str, ...] = ()) -> dict:
    """One GEMV benchmark row with `kernel` ('auto', 'scalar', 'avx2', 'avx512', 'neon'),
    timed alternately with each kernel of `against` (row['against'], with its speed ratio);
    numpy_f32_ms may be passed in when already measured for this shape and thread count (the
    table reuses it across bit widths)."""
    for name in against:
        require_kernel(name)  # before any timing
    set_kernel(kernel)
    try:
        primary = get_kernel()
        others = tuple(dict.fromkeys(name for name in against if name != primary))
        return _bench_gemv(qtype_of(bits), m, k, threads, group_size, stream_mb, numpy_f32_ms,
                           seed, primary, others)
    finally:
        set_kernel("auto")


def _speed(w: PackedMatrix, times, read_times) -> dict:
    ms = float(np.median(times))
    weight_gbps = w.nbytes / (ms * 1e-3) / 1e9
    read_gbps = w.nbytes / (float(np.median(read_times)) * 1e-3) / 1e9
    return {"ms_median": round(ms, 4), "ms_min": round(float(np.min(times)), 4),
            "weight_gbps": _digits(weight_gbps), "read_bandwidth_gbps": _digits(read_gbps),
            "bandwidth_fraction": round(weight_gbps / read_gbps, 3)}


def _digits(gbps: float) -> float:
    """4 significant digits: a tiny matrix on a busy machine moves well under 0.01 GB/s, which
    two decimals would report as 0."""
    return float(f"{gbps:.4g}")


def _bench_gemv(qtype, m, k, threads, group_size, stream_mb, numpy_f32_ms, seed, primary,
                others) -> dict:
    codes, scales, x = random_weights(qtype, m, k, group_size, seed)
    w = pack(codes, scales, qtype=qtype, group_size=group_size)
    with Pool(threads) as pool:
        kernels = tmac_calls(w, x, pool, stream_mb=stream_mb, kernels=(primary, *others))
        *kernel_times, plain_times, prefetch_times = timed(
            *kernels, *read_calls(pool, w.nbytes, stream_mb=stream_mb))
        read_times = min(plain_times, prefetch_times, key=np.median)
        del kernels
        set_kernel(primary)
        baseline, _ = dequant_calls(codes, scales, x, qtype, group_size, pool, stream_mb=stream_mb)
        (base_times,) = timed(baseline, min_iters=10, min_seconds=0.3)
        del baseline
        # A one-row matrix costs the token's tables plus a single 64-row tile.
        one_row = pack(codes[:1], scales[:1], qtype=qtype, group_size=group_size)
        (table_times,) = timed(*tmac_calls(one_row, x, pool, stream_mb=0), min_seconds=0.2)
    if numpy_f32_ms is None:
        numpy_f32_ms = time_numpy_f32(codes, scales, x, qtype, group_size, threads=threads,
                                      stream_mb=stream_mb)
    speed = _speed(w, kernel_times[0], read_times)
    base_ms = float(np.median(base_times))
    against = []
    for name, times in zip(others, kernel_times[1:]):
        other = _speed(w, times, read_times)
        del other["read_bandwidth_gbps"]  # the same probe as the row's
        against.append({"kernel": name, **other,
                        "speedup": round(other["ms_median"] / speed["ms_median"], 3)})
    return {
        "bits": "ternary" if qtype == TERNARY else qtype,
        "m": m, "k": k, "group_size": group_size, "threads": threads, "kernel": primary,
        "prefetch_bytes": prefetch_bytes(primary), "cpu_features": cpu_features(),
        "bits_per_weight": round(w.nbytes * 8 / (m * k), 3),
        **speed,
        "against": against,
        "baseline_dequant_ms": round(base_ms, 4),
        "speedup_vs_dequant": round(base_ms / speed["ms_median"], 2),
        "numpy_f32_ms": round(numpy_f32_ms, 4),
        "tables_ms": round(float(np.median(table_times)), 4),
        "streamed_copies": _copies(w.nbytes, stream_mb), "iterations": len(kernel_times[0]),
    }


def speed_lines(row: dict) -> list[str]:
    """A bench_gemv row for people: the kernel's speed and baselines, one line per kernel
    timed alongside, and the CPU features behind the kernel choice."""
    kind = "ternary" if row["bits"] == "ternary" else f"{row['bits']}-bit"
    lines = [f"{kind} {row['m']}x{row['k']} g{row['group_size']} x{row['threads']} "
             f"[{row['kernel']}]: {row['ms_median']:.3f} ms median ({row['ms_min']:.3f} min), "
             f"{row['weight_gbps']:.1f} GB/s = {100 * row['bandwidth_fraction']:.0f}% of "
             f"{row['read_bandwidth_gbps']:.1f} GB/s read; dequant baseline "
             f"{row['baseline_dequant_ms']:.3f} ms ({row['speedup_vs_dequant']:.1f}x), "
             f"numpy f32 {row['numpy_f32_ms']:.3f} ms, tables {row['tables_ms']:.3f} ms"]
    for other in row["against"]:
        lines.append(f"  {other['kernel']}, alternated with it: {other['ms_median']:.3f} ms median "
                     f"({other['ms_min']:.3f} min), {other['weight_gbps']:.1f} GB/s = "
                     f"{100 * other['bandwidth_fraction']:.0f}% of read; {row['kernel']} is "
                     f"{other['speedup']:.2f}x its speed")
    lines.append(f"  cpu: {row['cpu_features']}")
    return lines
