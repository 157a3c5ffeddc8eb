"""The int8 prefill product (lrtk_int8_gemm) through the Python binding: every int8 kernel
equals the scalar one bit for bit, the scalar one stays within the int8 rounding bound of the
float reference, and the prefill choice ($LRTK_PREFILL, set_prefill) is checked."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from lrtk import kernels
from lrtk.kernels.binding import ENV_PREFILL
from test_kernels import QTYPES, SIMD_KERNELS, assert_equals_scalar, problem, run


@pytest.fixture(autouse=True)
def auto_kernel():
    yield
    kernels.set_kernel("auto")
    kernels.set_prefill("auto")


@pytest.mark.parametrize("kernel", SIMD_KERNELS)
@pytest.mark.parametrize("qtype", QTYPES)
@pytest.mark.parametrize("group_size", [32, 128])
def test_int8_kernels_equal_scalar(kernel, qtype, group_size):
    """AVX-512 (VNNI), AVX2 and NEON's int8 products equal the scalar one."""
    assert_equals_scalar(kernel, qtype, group_size, int8=True)


@pytest.mark.parametrize("qtype", QTYPES)
def test_int8_stays_within_its_bound_and_differs_from_the_tables(qtype):
    zeros = qtype != "ternary"
    codes, scales, zero, x = problem(qtype, 133, 256, 64, zeros=zeros, n=9, seed=3)
    w = kernels.pack(codes, scales, zero, qtype=qtype, group_size=64)
    int8 = run("scalar", w, x, int8=True)
    ref = kernels.reference_gemm(codes, scales, zero, x, qtype=qtype, group_size=64)
    bound = kernels.int8_error_bound(x, scales, qtype=qtype, group_size=64)
    err = np.abs(int8 - ref)
    assert np.all(err <= bound + 1e-5 * np.abs(ref).max())
    assert np.linalg.norm(err) / np.linalg.norm(ref) < 0.02
    # A product of its own: neither exact nor the tables' numbers.
    assert err.max() > 0
    assert not np.array_equal(int8, kernels.gemm(w, x))


def test_prefill_choice_is_validated():
    with pytest.raises(kernels.KernelError, match="unknown prefill product"):
        kernels.set_prefill("fast")
    kernels.set_prefill("tables")
    assert kernels.prefill_summary() == "tables"
    kernels.set_prefill("int8")
    kernels.set_kernel("scalar")
    assert kernels.prefill_summary() == "int8 (scalar)"
    code = "from lrtk.kernels import binding; binding.c_api()"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, **{ENV_PREFILL: "fastest"}))
    assert res.returncode != 0 and "LRTK_PREFILL='fastest' is not a prefill product" in res.stderr
