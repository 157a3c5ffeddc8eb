"""Choosing the prefill product: LRTK_PREFILL (auto, tables, int8). A value that is none of
these is one clear usage error line before any work, in every command that runs the model,
never a silent fallback to the default product."""

from __future__ import annotations

import pytest
from badinput import assert_one_line_error, kit, lrtk  # noqa: F401  (kit: fixture)
from test_bad_inputs_avx512 import _bench_model, _ppl, _run
from test_export import spm_model  # noqa: F401  (kit's fixture)

# (id, command builder, LRTK_PREFILL value)
CASES = [
    ("run-unknown", _run, "fastest"),
    ("run-upper-case", _run, "INT8"),
    ("bench-model-unknown", _bench_model, "vnni"),
    ("ppl-unknown", _ppl, "tmac"),
]


@pytest.mark.parametrize("build, value", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_prefill_choice_is_one_usage_error_line(kit, build, value):  # noqa: F811
    res = lrtk(*build(kit.model), env={"LRTK_PREFILL": value})
    assert_one_line_error(res, "LRTK_PREFILL", f"'{value}'", "tables", code=2)
    assert res.out == ""  # nothing generated or measured with another product


@pytest.mark.parametrize("value", ["tables", "int8", "auto", ""])
def test_every_prefill_choice_runs(kit, value):  # noqa: F811
    res = lrtk(*_run(kit.model), env={"LRTK_PREFILL": value})
    assert res.code == 0, res.err
    assert res.out.strip()
