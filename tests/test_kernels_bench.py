"""`lrtk bench kernels` and benchmarks/bench_kernels.py on tiny shapes (speed is never asserted)."""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

from lrtk import kernels

KEYS = {"bits", "m", "k", "threads", "ms_median", "ms_min", "weight_gbps", "baseline_dequant_ms",
        "numpy_f32_ms", "read_bandwidth_gbps"}


def test_bench_kernels_json(run_cli):
    code, out, err = run_cli("bench", "kernels", "--bits", "2", "--m", "100", "--k", "256",
                             "--threads", "2", "--group-size", "64", "--stream-mb", "1", "--json")
    assert code == 0, err
    row = json.loads(out)  # exactly one JSON object on stdout; progress went to stderr
    assert KEYS <= row.keys()
    assert (row["bits"], row["m"], row["k"], row["threads"]) == (2, 100, 256, 2)
    assert 0 < row["ms_min"] <= row["ms_median"]
    assert row["weight_gbps"] > 0 and row["read_bandwidth_gbps"] > 0
    assert row["baseline_dequant_ms"] > 0 and row["numpy_f32_ms"] > 0
    assert row["streamed_copies"] >= 2


def test_bench_kernels_human_line(run_cli):
    code, out, _ = run_cli("bench", "kernels", "--bits", "ternary", "--m", "64", "--k", "128",
                           "--stream-mb", "1", "--kernel", "scalar", "--against", "none")
    assert code == 0
    first, cpu = out.splitlines()
    assert first.startswith("ternary 64x128 g128 x1 [scalar]") and "dequant baseline" in first
    assert cpu == f"  cpu: {kernels.cpu_features()}"


def test_bench_kernels_times_every_other_simd_kernel_alongside(run_cli):
    """By default the row's kernel is timed alternately with each other SIMD kernel this CPU
    runs (on an AVX-512 machine: avx512 against avx2), and the ratio is reported."""
    simd = [k for k in kernels.available_kernels() if k != "scalar"]
    code, out, err = run_cli("bench", "kernels", "--bits", "4", "--m", "64", "--k", "256",
                             "--stream-mb", "1", "--json")
    assert code == 0, err
    row = json.loads(out)
    assert row["kernel"] == kernels.get_kernel() and row["cpu_features"] == kernels.cpu_features()
    assert [a["kernel"] for a in row["against"]] == [k for k in simd if k != row["kernel"]]
    for other in row["against"]:
        assert other["ms_median"] > 0 and other["weight_gbps"] > 0
        assert other["speedup"] == pytest.approx(other["ms_median"] / row["ms_median"], rel=0.01)


@pytest.mark.parametrize("kernel, other", [("avx2", "avx512"), ("avx512", "avx2")])
def test_bench_kernels_names_both_kernels_of_a_comparison(run_cli, kernel, other):
    for name in (kernel, other):
        if not kernels.kernel_available(name):
            pytest.skip(f"{name} not available here (cpu: {kernels.cpu_features()})")
    code, out, err = run_cli("bench", "kernels", "--bits", "2", "--m", "64", "--k", "128",
                             "--stream-mb", "1", "--kernel", kernel, "--against", f"{other},{kernel}")
    assert code == 0, err
    first, versus, cpu = out.splitlines()
    assert first.startswith(f"2-bit 64x128 g128 x1 [{kernel}]: ")
    assert versus.startswith(f"  {other}, alternated with it: ")
    assert f"{kernel} is " in versus and versus.endswith("x its speed")
    assert cpu == f"  cpu: {kernels.cpu_features()}"


@pytest.mark.parametrize("args, message", [
    (["--bits", "5"], "unsupported weight type"),
    (["--k", "100"], "multiple of the group size"),
    (["--group-size", "48"], "group size"),
    (["--threads", "0"], "must be positive"),
    (["--kernel", "sse9"], "unknown kernel"),
    (["--against", "avx2,sse9"], "unknown kernel"),
])
def test_bench_kernels_bad_options_are_one_line_usage_errors(run_cli, args, message):
    code, _, err = run_cli("bench", "kernels", "--m", "64", "--k", "128", "--stream-mb", "1", *args)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_benchmark_script_writes_table(tmp_path, monkeypatch, capsys):
    argv = ["bench_kernels.py", "--out", str(tmp_path), "--bits", "1,ternary",
            "--shapes", "64x256", "--threads", "1", "--stream-mb", "1"]
    monkeypatch.setattr(sys, "argv", argv)
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "benchmarks" / "bench_kernels.py"),
                   run_name="__main__")
    table = (tmp_path / "kernels.md").read_text()
    rows = json.loads((tmp_path / "kernels.json").read_text())["rows"]
    assert [r["bits"] for r in rows] == [1, "ternary"]
    assert "| 1 | 64x256 | 1 |" in table and "| ternary | 64x256 | 1 |" in table
    assert table in capsys.readouterr().out


@pytest.mark.parametrize("bits", [1, 3, 4, "ternary"])
def test_dequant_baseline_computes_the_same_product(bits):
    """The baseline is only a fair comparison if it computes the right thing."""
    from lrtk.kernels import Pool, qtype_of, reference_gemm
    from lrtk.kernels.bench import dequant_calls, random_weights

    qtype = qtype_of(bits)
    codes, scales, x = random_weights(qtype, 70, 256, 64, seed=3)
    with Pool(2) as pool:
        calls, y = dequant_calls(codes, scales, x, qtype, 64, pool, stream_mb=0.1)
        calls[1]()  # the last call computes from the second copy
    ref = reference_gemm(codes, scales, None, x, qtype=qtype, group_size=64)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("threads", [1, 3])
def test_both_read_probes_read_every_word_once(threads):
    """The plain and the prefetching probe sum the same words, whatever the thread split and a
    tail shorter than a cache line (the prefetch runs ahead of the buffer's end)."""
    from lrtk.kernels.bench import read_calls
    from lrtk.kernels.binding import Pool

    with Pool(threads) as pool:
        plain, prefetching = read_calls(pool, 8 * 1003, stream_mb=0.01)
        sums = [call() for call in plain], [call() for call in prefetching]
    assert sums[0] == sums[1] == [1003] * len(plain)  # the buffer holds ones
