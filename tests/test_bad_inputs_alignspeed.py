"""`lrtk align` runs its search in the native library: a missing, broken or stale library is
one clear error line naming it, and the previous output stays as it was."""

from __future__ import annotations


import numpy as np
import pytest

from badinput import assert_one_line_error, assert_unchanged, lrtk, snapshot


def _not_a_library(tmp_path):
    path = tmp_path / "lib" / "liblrtk_native.so"
    path.parent.mkdir()
    path.write_text("not an ELF file\n", encoding="utf-8")
    return path


CASES = {
    # A library without lrtk_band_dp: one built before the search moved there (numpy's own
    # extension module stands in for it: it loads, but has none of lrtk's functions).
    "stale-library": lambda tmp_path: np._core._multiarray_umath.__file__,
    "missing-library": lambda tmp_path: tmp_path / "lib" / "missing.so",
    "not-a-library": _not_a_library,
}


@pytest.mark.parametrize("case", CASES)
def test_align_without_a_usable_native_library_is_one_error_line(tmp_path, case):
    work = tmp_path / "work"
    work.mkdir()
    (work / "en.txt").write_text("A first sentence here.\nAnd a second one.\nThird.\n",
                                 encoding="utf-8")
    (work / "de.txt").write_text("Ein erster Satz hier.\nUnd ein zweiter.\nDritter.\n",
                                 encoding="utf-8")
    (work / "out.jsonl").write_text("previous good output\n", encoding="utf-8")
    before = snapshot(work)
    library = CASES[case](tmp_path)
    res = lrtk("align", "--src-lang", "en", "--tgt-lang", "de", "--src", work / "en.txt",
               "--tgt", work / "de.txt", "--workers", "1", "-o", work / "out.jsonl",
               env={"LRTK_NATIVE_LIB": str(library)})
    assert_one_line_error(res, library, code=1)
    assert res.out == ""
    assert_unchanged(work, before)
