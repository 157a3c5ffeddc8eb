"""The native T-MAC kernels through their Python binding: exactness against the scalar oracle,
the int8-table error bound against the float reference, odd shapes and clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lrtk import kernels, native
from lrtk.kernels.binding import ENV_KERNEL

SIMD_KERNELS = ("avx2", "avx512", "neon")
QTYPES = [1, 2, 3, 4, "ternary"]


def require(kernel: str) -> None:
    """Skip, saying why, where this CPU or build lacks `kernel` (AVX-512 on an AVX2-only CPU,
    NEON on x86): on an AVX-512 machine both x86 kernels run, so AVX2 stays tested there."""
    if not kernels.kernel_available(kernel):
        pytest.skip(f"{kernel} not available here (cpu: {kernels.cpu_features()})")


@pytest.fixture(autouse=True)
def auto_kernel():
    yield
    kernels.set_kernel("auto")


def problem(qtype, m, k, group_size, *, zeros=False, n=1, seed=0):
    rng = np.random.default_rng(seed)
    top = 2 if qtype == "ternary" else (1 << qtype) - 1
    codes = rng.integers(0, top + 1, (m, k), dtype=np.uint8)
    scales = rng.uniform(0.01, 0.1, (m, k // group_size)).astype(np.float32)
    zero = rng.integers(0, top + 1, scales.shape).astype(np.float32) if zeros else None
    x = rng.standard_normal((n, k)).astype(np.float32)
    return codes, scales, zero, x


def run(kernel, w, x, pool=None, int8=False):
    kernels.set_kernel(kernel)
    return kernels.gemm(w, x, pool=pool, int8=int8)


def assert_equals_scalar(kernel, qtype, group_size, int8=False):
    """Bit for bit, with and without zero points, on rows and batches that fill no tile, on 1
    and 2 threads (int8: the prefill product)."""
    require(kernel)
    for zeros, m, n in ((qtype != "ternary", 133, 5), (False, 31, 17)):
        codes, scales, zero, x = problem(qtype, m, 3 * group_size, group_size, zeros=zeros, n=n)
        w = kernels.pack(codes, scales, zero, qtype=qtype, group_size=group_size)
        oracle = run("scalar", w, x, int8=int8)
        assert np.array_equal(run(kernel, w, x, int8=int8), oracle)
        with kernels.Pool(2) as pool:
            assert np.array_equal(run(kernel, w, x, pool, int8=int8), oracle)


@pytest.mark.parametrize("kernel", SIMD_KERNELS)
@pytest.mark.parametrize("qtype", QTYPES)
@pytest.mark.parametrize("group_size", [32, 64, 128])
def test_simd_kernel_equals_scalar(kernel, qtype, group_size):
    assert_equals_scalar(kernel, qtype, group_size)


@pytest.mark.parametrize("qtype", QTYPES)
@pytest.mark.parametrize("group_size", [32, 64, 128])
def test_scalar_stays_within_the_table_bound(qtype, group_size):
    zeros = qtype != "ternary"
    codes, scales, zero, x = problem(qtype, 133, 3 * group_size, group_size, zeros=zeros, n=5)
    w = kernels.pack(codes, scales, zero, qtype=qtype, group_size=group_size)
    oracle = run("scalar", w, x)
    with kernels.Pool(2) as pool:
        assert np.array_equal(run("auto", w, x, pool), oracle)

    ref = kernels.reference_gemm(codes, scales, zero, x, qtype=qtype, group_size=group_size)
    bound = kernels.table_error_bound(x, scales, qtype=qtype, group_size=group_size)
    err = np.abs(oracle - ref)
    assert np.all(err <= bound + 1e-5 * np.abs(ref).max())
    assert err.max() > 0  # the tables really are int8: an exact result would mean no LUT
    # For random activations the rounding errors cancel: far below the worst case.
    assert np.linalg.norm(err) / np.linalg.norm(ref) < 0.02


def test_symmetric_convention_matches_mid_point_zero():
    """Without zero points, b-bit codes are centred on (2^b - 1) / 2 (documented convention)."""
    codes, scales, _, x = problem(3, 64, 128, 64, n=2)
    w = kernels.pack(codes, scales, qtype=3, group_size=64)
    w_mid = kernels.pack(codes, scales, np.full(scales.shape, 3.5, np.float32), qtype=3, group_size=64)
    ref = kernels.reference_gemm(codes, scales, None, x, qtype=3, group_size=64)
    bound = kernels.table_error_bound(x, scales, qtype=3, group_size=64)
    assert np.all(np.abs(kernels.gemm(w, x) - ref) <= bound + 1e-5)
    np.testing.assert_allclose(kernels.gemm(w_mid, x), kernels.gemm(w, x), rtol=0, atol=1e-4)


def test_ternary_codes_mean_minus_one_zero_plus_one():
    w = np.array([[0, 1, 2, 2] * 8], dtype=np.uint8)  # -1, 0, +1, +1 repeated
    packed = kernels.pack(w, np.ones((1, 1), np.float32), qtype="ternary", group_size=32)
    x = np.zeros(32, np.float32)
    x[[0, 1, 2, 3]] = [1.0, 10.0, 100.0, 1000.0]
    y = kernels.gemm(packed, x)
    assert y.shape == (1,)
    assert abs(y[0] - (-1 + 0 + 100 + 1000)) <= 1111 / 127  # within one table step


@pytest.mark.parametrize("m", [1, 31, 64, 65, 200])
def test_any_row_count_and_batches_over_sixteen(m):
    codes, scales, _, x = problem(2, m, 128, 32, n=19)
    w = kernels.pack(codes, scales, qtype=2, group_size=32)
    y = kernels.gemm(w, x)
    assert y.shape == (19, m)
    assert np.array_equal(y[17], kernels.gemm(w, x[17]))  # batching never changes a token
    assert np.array_equal(y[:16], kernels.gemm(w, x[:16]))


@pytest.mark.parametrize("args, message", [
    (dict(qtype=2, group_size=48), "group size"),
    (dict(qtype=7, group_size=32), "unsupported weight type"),
])
def test_unsupported_types_and_group_sizes_are_clear_errors(args, message):
    codes, scales, _, _ = problem(2, 8, 96, 32)
    with pytest.raises(kernels.KernelError, match=message):
        kernels.pack(codes, scales, **args)


def test_k_not_a_multiple_of_the_group_size_is_rejected():
    codes = np.zeros((8, 80), np.uint8)
    with pytest.raises(kernels.KernelError, match="multiple of the group size"):
        kernels.pack(codes, np.ones((8, 2), np.float32), qtype=2, group_size=32)


def test_codes_out_of_range_and_bad_inputs_are_rejected():
    codes, scales, _, _ = problem(2, 8, 64, 32)
    codes[3, 5] = 4
    with pytest.raises(kernels.KernelError, match="does not fit the bit width"):
        kernels.pack(codes, scales, qtype=2, group_size=32)
    with pytest.raises(kernels.KernelError, match="scales must have shape"):
        kernels.pack(codes % 4, scales[:, :1], qtype=2, group_size=32)
    w = kernels.pack(codes % 4, scales, qtype=2, group_size=32)
    with pytest.raises(kernels.KernelError, match="k = 64"):
        kernels.gemm(w, np.zeros(63, np.float32))
    with pytest.raises(kernels.KernelError, match="zero points"):
        kernels.pack(codes % 3, scales, scales, qtype="ternary", group_size=32)


def test_kernel_selection():
    available = kernels.available_kernels()
    assert available[0] == "scalar" and kernels.get_kernel() in available
    if not os.environ.get(ENV_KERNEL):  # auto is the fastest kernel this CPU runs
        assert kernels.get_kernel() == next(
            k for k in ("avx512", "avx2", "neon", "scalar") if k in available)
    kernels.set_kernel("scalar")
    assert kernels.get_kernel() == "scalar"
    for name in set(SIMD_KERNELS) - set(available):
        with pytest.raises(kernels.KernelError, match="not available"):
            kernels.set_kernel(name)
    with pytest.raises(kernels.KernelError, match="unknown kernel"):
        kernels.set_kernel("sse9")


def test_avx512_is_offered_exactly_with_the_features_it_uses():
    """The kernel needs AVX-512F, BW and VBMI with the OS's zmm state (and AVX2 for the
    tables); cpu_features() reports what cpuid and xgetbv found, in the kernel's own terms."""
    features = set(kernels.cpu_features().split())
    needed = {"avx2", "avx512f", "avx512bw", "avx512vbmi"}
    assert kernels.kernel_available("avx512") == needed.issubset(features)
    assert kernels.kernel_available("avx2") == ("avx2" in features)
    assert kernels.kernel_summary().startswith(f"kernel {kernels.get_kernel()} (")
    assert kernels.kernel_summary().endswith(f"prefill {kernels.prefill_summary()} "
                                             f"(cpu: {kernels.cpu_features()})")


def _cpuinfo() -> dict[str, str]:
    """The first processor's fields in /proc/cpuinfo (empty where there is none)."""
    try:
        block = Path("/proc/cpuinfo").read_text().split("\n\n")[0]
    except OSError:
        return {}
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in block.splitlines())}


def test_prefetch_distance_follows_the_kernel_and_the_cpu():
    """Software prefetch is off for the scalar kernel and for AVX-512 on Zen 4 only (AMD family
    19h with AVX-512, where it was measured slower); the AVX2 and NEON kernels always use it.
    The expectation is read from /proc/cpuinfo, apart from the library's own cpuid code."""
    info = _cpuinfo()
    if not info:
        pytest.skip("no /proc/cpuinfo to check the CPU model against")
    zen4 = (info.get("vendor_id") == "AuthenticAMD" and info.get("cpu family") == "25"
            and "avx512f" in info.get("flags", "").split())
    assert kernels.prefetch_bytes("scalar") == 0
    for name in ("avx2", "neon"):
        if kernels.kernel_available(name):
            assert kernels.prefetch_bytes(name) == 8192
    if kernels.kernel_available("avx512"):
        assert kernels.prefetch_bytes("avx512") == (0 if zen4 else 8192)
        kernels.set_kernel("avx512")  # the autouse fixture sets auto again
        expected = "hardware prefetch only" if zen4 else "prefetch 8 KiB ahead"
        assert kernels.kernel_summary().startswith(f"kernel avx512 ({expected}), ")


@pytest.mark.parametrize("kernel", SIMD_KERNELS)
def test_lrtk_kernel_forces_what_auto_runs(kernel):
    """LRTK_KERNEL (read once per process, so a child process) replaces auto's choice."""
    require(kernel)
    code = ("from lrtk import kernels; kernels.set_kernel('auto'); print(kernels.get_kernel()); "
            "kernels.set_kernel('scalar'); print(kernels.get_kernel())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, **{ENV_KERNEL: kernel}))
    assert out.stdout.split() == [kernel, "scalar"]  # and set_kernel still overrides it


def test_pool_reports_its_threads():
    with kernels.Pool(3) as pool:
        assert pool.threads == 3


def test_native_library_override(monkeypatch, tmp_path):
    assert native.library_path().endswith((".so", ".dylib", ".pyd"))
    monkeypatch.setenv(native.ENV_VAR, str(tmp_path / "missing.so"))
    with pytest.raises(native.NativeLibraryError, match="missing file"):
        native.library_path()
    bogus = tmp_path / "bogus.so"
    bogus.write_text("not a library")
    monkeypatch.setenv(native.ENV_VAR, str(bogus))
    with pytest.raises(native.NativeLibraryError, match="cannot load"):
        native.load()


def unpack_documented_layout(w: kernels.PackedMatrix, planes: int) -> np.ndarray:
    """Bit planes (planes, m, k) read back by following lrtk_tmac.h's layout description."""
    tiles, quads = -(-w.m // 64), w.k // 4
    bits = np.zeros((planes, tiles * 64, w.k), np.uint8)
    data = w.packed.reshape(tiles, quads, planes * 32)
    for j0 in range(0, planes, 2):
        pair = j0 + 1 < planes
        block = data[:, :, j0 * 32:(j0 + (2 if pair else 1)) * 32]
        for b in range(block.shape[2]):
            plane = j0 + (b & 1) if pair else j0
            low_row = b // 2 if pair else 16 * (b & 1) + b // 2
            for half in range(2):
                nibble = (block[:, :, b] >> (4 * half)) & 15              # (tiles, quads)
                rows = np.arange(tiles) * 64 + 32 * half + low_row
                for i in range(4):
                    bits[plane, rows[:, None], 4 * np.arange(quads) + i] = (nibble >> i) & 1
    return bits[:, :w.m]


@pytest.mark.parametrize("qtype, planes", [(1, 1), (2, 2), (3, 3), (4, 4), ("ternary", 2)])
def test_packed_bytes_follow_the_documented_layout(qtype, planes):
    codes, scales, _, _ = problem(qtype, 70, 64, 32)
    w = kernels.pack(codes, scales, qtype=qtype, group_size=32)
    bits = unpack_documented_layout(w, planes)
    if qtype == "ternary":  # planes are the thresholds code >= 1 and code >= 2
        expected = np.stack([codes >= 1, codes >= 2]).astype(np.uint8)
    else:
        expected = np.stack([(codes >> j) & 1 for j in range(planes)])
    assert np.array_equal(bits, expected)
    assert w.packed.ctypes.data % 64 == 0
    tile_scales = w.scales.reshape(2, 2, 64)  # (tile, group, row): padding rows hold 0
    halves = scales.astype(np.float16)  # stored as IEEE halves, nearest even
    assert w.scales.dtype == np.float16 and not np.array_equal(halves, scales)
    assert np.array_equal(tile_scales[0].T, halves[:64])
    assert np.array_equal(tile_scales[1, :, :6].T, halves[64:]) and not tile_scales[1, :, 6:].any()
