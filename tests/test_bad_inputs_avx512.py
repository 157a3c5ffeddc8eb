"""Choosing the kernel: `--kernel`, `--against` and the LRTK_KERNEL environment variable. A
kernel that does not exist or that this CPU lacks is one clear error line before any work
(never a silent fallback to another kernel), and `run --verbose` / `bench model` name the
kernel that does run with the CPU features it was chosen from."""

from __future__ import annotations

import json
import re

import pytest
from badinput import assert_one_line_error, kit, lrtk  # noqa: F401  (kit: fixture)
from test_export import spm_model  # noqa: F401  (kit's fixture)

from lrtk import kernels

# A kernel this machine cannot run: NEON on x86, AVX2 on ARM.
MISSING = next(k for k in ("neon", "avx2") if not kernels.kernel_available(k))


def _bench_kernels(_model, *extra):
    return ("bench", "kernels", "--m", "64", "--k", "128", "--stream-mb", "1", *extra)


def _run(model, *extra):
    return ("run", str(model), "--prompt", "the virus", "-n", "2", *extra)


def _bench_model(model, *extra):
    return ("bench", "model", str(model), "-t", "1", "--prompt-tokens", "4", "--decode-tokens",
            "2", "--repeats", "1", *extra)


def _ppl(model, *extra):
    return ("ppl", str(model), "--data", str(model.parent / "en.txt"), *extra)


# (id, command builder, extra arguments, environment, names the error line must contain)
CASES = [
    ("bench-kernels-env-unknown", _bench_kernels, (), {"LRTK_KERNEL": "sse9"},
     ("LRTK_KERNEL", "'sse9'", "scalar")),
    ("bench-kernels-env-missing", _bench_kernels, (), {"LRTK_KERNEL": MISSING},
     ("LRTK_KERNEL", f"'{MISSING}'")),
    ("bench-kernels-kernel-unknown", _bench_kernels, ("--kernel", "avx9"), {}, ("'avx9'",)),
    ("bench-kernels-kernel-missing", _bench_kernels, ("--kernel", MISSING), {},
     ("not available",)),
    ("bench-kernels-against-unknown", _bench_kernels, ("--against", "avx2,avx9"), {}, ("'avx9'",)),
    ("bench-kernels-against-missing", _bench_kernels, ("--against", MISSING), {},
     ("not available",)),
    ("run-env-unknown", _run, (), {"LRTK_KERNEL": "AVX512"}, ("LRTK_KERNEL", "'AVX512'")),
    ("run-env-missing", _run, ("--verbose",), {"LRTK_KERNEL": MISSING}, ("LRTK_KERNEL",)),
    ("run-kernel-missing", _run, ("--kernel", MISSING), {}, ("not available",)),
    ("bench-model-env-unknown", _bench_model, (), {"LRTK_KERNEL": "fast"}, ("LRTK_KERNEL",)),
    ("ppl-env-unknown", _ppl, (), {"LRTK_KERNEL": "fast"}, ("LRTK_KERNEL",)),
]


@pytest.mark.parametrize("build, extra, env, names", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_kernel_choice_is_one_usage_error_line(kit, build, extra, env, names):  # noqa: F811
    res = lrtk(*build(kit.model, *extra), env=env)
    assert_one_line_error(res, *names, code=2)
    assert res.out == ""  # nothing generated or measured with some other kernel


@pytest.fixture
def auto_kernel():
    yield
    kernels.set_kernel("auto")  # `run --kernel` in-process sets the process-wide choice


PREFILL = r"(tables|int8 \(\w+\))"  # what kernels.prefill_summary() may say
PREFETCH = r"\((prefetch \d+ KiB ahead|hardware prefetch only)\)"  # after the kernel's name


def test_run_verbose_and_bench_model_name_the_kernel_and_cpu(kit, run_cli, auto_kernel):  # noqa: F811
    features = kernels.cpu_features()
    for kernel in kernels.available_kernels():
        code, out, err = run_cli(*_run(kit.model, "--kernel", kernel, "--verbose"))
        assert code == 0, err
        # The prefill product follows the kernel (int8 only with the VNNI one): one of PREFILL.
        (line,) = err.splitlines()
        assert re.fullmatch(rf"lrtk: run: kernel {kernel} {PREFETCH}, prefill {PREFILL} "
                            rf"\(cpu: {re.escape(features)}\)", line), line
        assert out.strip()
    code, _, err = run_cli(*_run(kit.model))
    assert code == 0 and "kernel" not in err  # only with --verbose
    kernels.set_kernel("auto")
    code, out, err = run_cli(*_bench_model(kit.model))
    assert code == 0, err
    assert re.search(rf" x1 \[{kernels.get_kernel()}, prefill {PREFILL}\]: prefill ", out), out
    assert out.rstrip().endswith(f"; cpu: {features}")
    code, out, err = run_cli(*_bench_model(kit.model, "--json"))
    row = json.loads(out)
    assert (row["kernel"], row["cpu_features"]) == (kernels.get_kernel(), features)
    assert row["prefetch_bytes"] == kernels.prefetch_bytes()
    assert re.fullmatch(PREFILL, row["prefill"]), row["prefill"]


@pytest.mark.parametrize("kernel", ["avx2", "avx512"])
def test_lrtk_kernel_forces_the_kernel_of_a_whole_run(kit, kernel):  # noqa: F811
    if not kernels.kernel_available(kernel):
        pytest.skip(f"{kernel} not available here (cpu: {kernels.cpu_features()})")
    res = lrtk(*_run(kit.model, "--verbose"), env={"LRTK_KERNEL": kernel})
    assert res.code == 0, res.err
    assert re.search(rf"lrtk: run: kernel {kernel} {PREFETCH}, prefill {PREFILL} \(cpu: ",
                     res.err), res.err
