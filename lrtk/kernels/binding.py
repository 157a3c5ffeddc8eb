"""ctypes binding of native/include/lrtk_tmac.h: numpy arrays in, numpy arrays out."""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lrtk import native
from lrtk.errors import UsageError

TERNARY = 5  # LRTK_Q_TERNARY; 1..4 are the bit widths
MAX_BATCH = 16  # LRTK_TMAC_MAX_BATCH
KERNELS = {"auto": 0, "scalar": 1, "avx2": 2, "neon": 3, "avx512": 4}  # lrtk_kernel
ENV_KERNEL = "LRTK_KERNEL"  # forces the kernel 'auto' means (see lrtk_tmac_set_kernel)
E_KERNEL, E_KERNEL_ENV = -5, -10  # LRTK_E_KERNEL, LRTK_E_KERNEL_ENV
PREFILLS = {"auto": 0, "tables": 1, "int8": 2}  # lrtk_prefill
ENV_PREFILL = "LRTK_PREFILL"  # forces the prefill product 'auto' means (lrtk_set_prefill)
E_PREFILL_ENV = -11  # LRTK_E_PREFILL_ENV


class KernelError(UsageError):
    """A shape, type or kernel the native kernels do not support (message from C)."""


class TmacMatrix(ctypes.Structure):
    _fields_ = [
        ("qtype", ctypes.c_int), ("m", ctypes.c_int), ("k", ctypes.c_int),
        ("group_size", ctypes.c_int), ("has_zeros", ctypes.c_int),
        ("packed", ctypes.c_void_p), ("scales", ctypes.c_void_p), ("zeros", ctypes.c_void_p),
    ]


_P = ctypes.c_void_p
_I = ctypes.c_int


@lru_cache(maxsize=None)
def c_api():
    """The prototypes, declared on first use so that importing this module needs no library."""
    api = _prototypes(native.function)
    if api["get_kernel"]() == E_KERNEL_ENV:  # before any GEMM: say what to change
        raise KernelError(f"{ENV_KERNEL}={os.environ.get(ENV_KERNEL)!r} is not a kernel this CPU "
                          "or build can run",
                          hint=f"unset it or use one of {', '.join(_available(api))}")
    if api["get_prefill"]() == E_PREFILL_ENV:
        raise KernelError(f"{ENV_PREFILL}={os.environ.get(ENV_PREFILL)!r} is not a prefill product",
                          hint=f"unset it or use one of {', '.join(PREFILLS)}")
    return api


def _available(api) -> list[str]:
    return [name for name, number in KERNELS.items() if api["kernel_available"](number)]


def _prototypes(f):
    return {
        "pool_create": f("lrtk_pool_create", _P, _I),
        "pool_free": f("lrtk_pool_free", None, _P),
        "pool_threads": f("lrtk_pool_threads", _I, _P),
        "packed_bytes": f("lrtk_tmac_packed_bytes", ctypes.c_size_t, _I, _I, _I, _I),
        "scale_count": f("lrtk_tmac_scale_count", ctypes.c_size_t, _I, _I, _I, _I),
        "pack": f("lrtk_tmac_pack", _I, _I, _I, _I, _I, _I, _P, _P, _P, _P, _P, _P),
        "gemm": f("lrtk_tmac_gemm", _I, _P, ctypes.POINTER(TmacMatrix), _P, _I, _P),
        "int8_gemm": f("lrtk_int8_gemm", _I, _P, ctypes.POINTER(TmacMatrix), _P, _I, _P),
        "int8_kernel_name": f("lrtk_int8_kernel_name", ctypes.c_char_p),
        "set_prefill": f("lrtk_set_prefill", _I, _I),
        "get_prefill": f("lrtk_get_prefill", _I),
        "set_kernel": f("lrtk_tmac_set_kernel", _I, _I),
        "get_kernel": f("lrtk_tmac_get_kernel", _I),
        "kernel_available": f("lrtk_tmac_kernel_available", _I, _I),
        "prefetch_bytes": f("lrtk_tmac_prefetch_bytes", _I, _I),
        "cpu_features": f("lrtk_cpu_feature_names", ctypes.c_char_p),
        "strerror": f("lrtk_tmac_strerror", ctypes.c_char_p, _I),
    }


def check(status: int) -> None:
    """Raise KernelError with the C library's one-line message for a negative status."""
    if status < 0:
        raise KernelError(c_api()["strerror"](status).decode())


def qtype_of(bits) -> int:
    """1..4 (bits) or 'ternary' -> the C qtype number."""
    if bits in ("ternary", "t", TERNARY):
        return TERNARY
    if str(bits) in ("1", "2", "3", "4"):
        return int(bits)
    raise KernelError(f"unsupported weight type {bits!r} (expected 1, 2, 3, 4 or ternary)")


def aligned_empty(count: int, dtype, align: int = 64) -> np.ndarray:
    """An uninitialised 1-D array whose data starts on an `align`-byte boundary."""
    dtype = np.dtype(dtype)
    raw = np.empty(count * dtype.itemsize + align, dtype=np.uint8)
    offset = (-raw.ctypes.data) % align
    return raw[offset:offset + count * dtype.itemsize].view(dtype)


class Pool:
    """A persistent native thread pool; use one per calling thread. Closes on `with` exit."""

    def __init__(self, threads: int = 0):
        self._handle = None
        self._handle = c_api()["pool_create"](int(threads))
        if not self._handle:
            raise KernelError(f"cannot start a pool of {threads} threads")

    @property
    def handle(self):
        return self._handle

    @property
    def threads(self) -> int:
        return c_api()["pool_threads"](self._handle)

    def close(self) -> None:
        if self._handle:
            c_api()["pool_free"](self._handle)
            self._handle = None

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


@dataclass
class PackedMatrix:
    """Weights in the kernel layout; `struct` is what the C functions take."""

    qtype: int
    m: int
    k: int
    group_size: int
    packed: np.ndarray            # uint8, 64-byte aligned
    scales: np.ndarray            # float16, tile order
    zeros: np.ndarray | None      # float16 biases half(scale) * (mid - zero), tile order

    @property
    def struct(self) -> TmacMatrix:
        return TmacMatrix(self.qtype, self.m, self.k, self.group_size, int(self.zeros is not None),
                          self.packed.ctypes.data, self.scales.ctypes.data,
                          None if self.zeros is None else self.zeros.ctypes.data)

    @property
    def nbytes(self) -> int:
        """Bytes a GEMV reads: packed weights plus scales (and zero biases)."""
        return self.packed.nbytes + self.scales.nbytes + (0 if self.zeros is None else self.zeros.nbytes)


def half_round(a) -> np.ndarray:
    """float32 values as the packer stores them: rounded to IEEE half, nearest even."""
    return np.asarray(a, dtype=np.float32).astype(np.float16).astype(np.float32)


def pack(codes, scales, zeros=None, *, qtype, group_size: int = 128) -> PackedMatrix:
    """Pack integer codes (m, k) with per-group scales (and zeros) (m, k/group_size); the
    scales are stored as halves (half_round)."""
    qtype = qtype_of(qtype)
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    if codes.ndim != 2:
        raise KernelError(f"codes must be a 2-D (m, k) array, got shape {codes.shape}")
    m, k = codes.shape
    c = c_api()
    nbytes = c["packed_bytes"](qtype, m, k, group_size)
    if nbytes == 0:  # let C say which of type, group size or shape is wrong
        check(c["pack"](qtype, m, k, group_size, 0, None, None, None, None, None, None))
    groups = (m, k // group_size)
    scales = np.ascontiguousarray(scales, dtype=np.float32)
    if scales.shape != groups:
        raise KernelError(f"scales must have shape {groups}, got {scales.shape}")
    if zeros is not None:
        zeros = np.ascontiguousarray(zeros, dtype=np.float32)
        if zeros.shape != groups:
            raise KernelError(f"zeros must have shape {groups}, got {zeros.shape}")
    count = c["scale_count"](qtype, m, k, group_size)
    packed = aligned_empty(nbytes, np.uint8)
    scales_out = aligned_empty(count, np.float16)
    zeros_out = None if zeros is None else aligned_empty(count, np.float16)
    check(c["pack"](qtype, m, k, group_size, int(zeros is not None), codes.ctypes.data,
                    scales.ctypes.data, None if zeros is None else zeros.ctypes.data,
                    packed.ctypes.data, scales_out.ctypes.data,
                    None if zeros_out is None else zeros_out.ctypes.data))
    return PackedMatrix(qtype, m, k, group_size, packed, scales_out, zeros_out)


def gemm(w: PackedMatrix, x, pool: Pool | None = None, int8: bool = False) -> np.ndarray:
    """y = x . W^T for x of shape (k,) or (n, k); batches over 16 run in chunks of 16. int8:
    the prefill product (activations rounded to int8 per group, lrtk_int8_gemm) instead of
    the T-MAC tables."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    single = x.ndim == 1
    x2 = x.reshape(1, -1) if single else x
    if x2.ndim != 2 or x2.shape[1] != w.k:
        raise KernelError(f"activations must have shape (k,) or (n, k) with k = {w.k}, got {x.shape}")
    y = np.empty((x2.shape[0], w.m), dtype=np.float32)
    struct = w.struct
    handle = pool.handle if pool is not None else None
    for start in range(0, x2.shape[0], MAX_BATCH):
        xs, ys = x2[start:start + MAX_BATCH], y[start:start + MAX_BATCH]
        check(c_api()["int8_gemm" if int8 else "gemm"](handle, ctypes.byref(struct), xs.ctypes.data,
                                                        xs.shape[0], ys.ctypes.data))
    return y[0] if single else y


def kernel_available(name: str) -> bool:
    return bool(c_api()["kernel_available"](_kernel_number(name)))


def set_kernel(name: str) -> None:
    """Choose 'auto', 'scalar', 'avx2', 'avx512' or 'neon' for later calls in this process;
    'auto' is $LRTK_KERNEL where set, else the best kernel of this CPU."""
    check(c_api()["set_kernel"](_kernel_number(name)))


def get_kernel() -> str:
    """The concrete kernel the next call uses."""
    number = c_api()["get_kernel"]()
    return next(name for name, value in KERNELS.items() if value == number)


def require_kernel(name: str) -> None:
    """KernelError unless `name` is a kernel this CPU and build run."""
    if not kernel_available(name):
        check(E_KERNEL)


def available_kernels() -> list[str]:
    """The concrete kernels this CPU and build can run, scalar first."""
    return [name for name in _available(c_api()) if name != "auto"]


def cpu_features() -> str:
    """The SIMD features the native library detected (cpuid and the OS's register state),
    e.g. 'avx2 avx512f avx512bw avx512vbmi avx512vnni gfni'."""
    return c_api()["cpu_features"]().decode()


def set_prefill(name: str) -> None:
    """Choose the runtime's prefill product for later calls in this process: 'tables' (T-MAC),
    'int8', or 'auto' ($LRTK_PREFILL where set, else int8 where the int8 kernel is VNNI)."""
    if name not in PREFILLS:
        raise KernelError(f"unknown prefill product {name!r} (expected one of {', '.join(PREFILLS)})")
    check(c_api()["set_prefill"](PREFILLS[name]))


def prefill_summary() -> str:
    """What batches of several tokens run: 'tables', or 'int8 (KERNEL)' with the int8 kernel."""
    number = c_api()["get_prefill"]()
    check(number)
    if number == PREFILLS["tables"]:
        return "tables"
    return f"int8 ({c_api()['int8_kernel_name']().decode()})"


def prefetch_bytes(name: str | None = None) -> int:
    """How far ahead of its reads a kernel (default: the one in use) asks for weights, in bytes;
    0 where it leaves that to the hardware prefetchers (scalar, and AVX-512 on Zen 4, where
    software prefetch was measured slower)."""
    return c_api()["prefetch_bytes"](_kernel_number(name or get_kernel()))


def kernel_summary() -> str:
    """One line for --verbose output and benchmark reports: the kernels in use and why."""
    ahead = prefetch_bytes()
    prefetch = f"prefetch {ahead // 1024} KiB ahead" if ahead else "hardware prefetch only"
    return (f"kernel {get_kernel()} ({prefetch}), prefill {prefill_summary()} "
            f"(cpu: {cpu_features()})")


def _kernel_number(name: str) -> int:
    if name not in KERNELS:
        raise KernelError(f"unknown kernel {name!r} (expected one of {', '.join(KERNELS)})")
    return KERNELS[name]
