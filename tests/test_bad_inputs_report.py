"""Bad inputs of `lrtk report`: a wrong OUT_DIR or output path is one error line, and nothing
is written (the harness and its contract: tests/badinput.py)."""

from __future__ import annotations

import json

import pytest

from badinput import assert_one_line_error, assert_unchanged, lrtk, snapshot


def _build_dir(root):
    """A build directory holding one report (evaluation) and an older report.html."""
    (root / "reports").mkdir(parents=True)
    (root / "reports" / "eval.json").write_text(json.dumps(
        {"bleu": {"score": 1.5, "signature": "nrefs:1|case:mixed"}}))
    (root / "report.html").write_text("<p>the previous report</p>")
    return root


CASES = {
    # id: (arguments given the case's folder, names the error line must contain, exit code)
    "out-dir-missing": (lambda d: [d / "nope"], ["nope", "not a directory"], 2),
    "out-dir-is-a-file": (lambda d: [d / "work" / "report.html"], ["report.html",
                                                                   "not a directory"], 2),
    "no-reports-in-dir": (lambda d: [d / "work" / "reports"], ["reports", "none of a build's"], 2),
    "output-dir-missing": (lambda d: [d / "work", "-o", d / "gone" / "r.html"], ["gone"], 2),
    "output-is-a-dir": (lambda d: [d / "work", "-o", d / "work" / "reports"],
                        ["reports", "is a directory"], 2),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_one_error_line_and_writes_nothing(case, tmp_path):
    args, names, code = CASES[case]
    _build_dir(tmp_path / "work")
    before = snapshot(tmp_path)
    res = lrtk("report", *args(tmp_path))
    assert_one_line_error(res, *map(str, names), code=code)
    assert res.out == ""
    assert_unchanged(tmp_path, before)


def test_the_good_case_of_the_table_writes_the_report(tmp_path):
    work = _build_dir(tmp_path / "work")
    res = lrtk("report", work)
    assert res.code == 0, res.err
    html = (work / "report.html").read_text(encoding="utf-8")
    assert "nrefs:1|case:mixed" in html and "Filter: left out, reports/filter.json not found." in html
