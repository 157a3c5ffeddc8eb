"""T-MAC low-bit GEMV/GEMM kernels (native C) with their numpy reference.

    from lrtk import kernels
    w = kernels.pack(codes, scales, qtype=2, group_size=128)   # codes: uint8 (m, k)
    with kernels.Pool(2) as pool:
        y = kernels.gemm(w, x, pool=pool)                      # x: (k,) or (n, k) float32
    y_ref = kernels.reference_gemm(codes, scales, None, x, qtype=2, group_size=128)

Weights are w = scale * (code - zero) per group of `group_size` columns; without zero points
the zero is the middle of the code range, (2^b - 1) / 2; ternary codes {0, 1, 2} mean
{-1, 0, +1} (see native/include/lrtk_tmac.h).
"""

from lrtk.kernels.binding import (
    KERNELS,
    TERNARY,
    KernelError,
    PackedMatrix,
    Pool,
    available_kernels,
    cpu_features,
    gemm,
    get_kernel,
    kernel_available,
    kernel_summary,
    pack,
    prefetch_bytes,
    prefill_summary,
    qtype_of,
    set_kernel,
    set_prefill,
)
from lrtk.kernels.reference import dequantize, int8_error_bound, reference_gemm, table_error_bound

__all__ = [
    "KERNELS",
    "TERNARY",
    "KernelError",
    "PackedMatrix",
    "Pool",
    "available_kernels",
    "cpu_features",
    "dequantize",
    "gemm",
    "get_kernel",
    "int8_error_bound",
    "kernel_available",
    "kernel_summary",
    "pack",
    "prefetch_bytes",
    "prefill_summary",
    "qtype_of",
    "reference_gemm",
    "set_kernel",
    "set_prefill",
    "table_error_bound",
]
