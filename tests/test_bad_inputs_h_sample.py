"""What can go wrong now that sampling keeps its example offsets on disk and draws in a new
order (issue 16): a temporary folder that cannot take the offsets file, and a `--state` file
saved with the old order or for another run. Each case runs `lrtk` in a real process and
asserts one error line naming the file, no traceback, nothing on stdout and the output
folder untouched.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile

import pytest

from badinput import REPO, Result, assert_one_line_error, assert_unchanged, command, lrtk, snapshot
from test_bad_inputs_records import OUT, out  # noqa: F401  (out: the folder that must survive)

# Below the first batch of offsets written (4,096 examples x 16 bytes), above everything
# else these commands write (a plan report, the .pyc files Python may cache).
FILE_SIZE_LIMIT = 48 * 1024


@pytest.fixture
def corpora(shared, tmp_path):
    """bn: the 2,100 TICO-19 lines; en: its English side three times (6,300 lines, more
    than one batch of offsets)."""
    base = shared("tico19", "en-bn")
    bn = tmp_path / "bn.txt"
    bn.write_bytes((base / "tico19-test.bn").read_bytes())
    en = tmp_path / "en.txt"
    en.write_bytes((base / "tico19-test.en").read_bytes() * 3)
    return ["--corpus", f"bn={bn}", "--corpus", f"en={en}"]


def limited(*args, cwd) -> Result:
    """`lrtk ARGS` allowed to write no file larger than FILE_SIZE_LIMIT (Python ignores
    SIGXFSZ, so a write past it fails with EFBIG, as a full disk fails with ENOSPC)."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_LIMIT, FILE_SIZE_LIMIT))

    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(command(*args), cwd=cwd, capture_output=True, timeout=300, env=env,
                          preexec_fn=limit, stdin=subprocess.DEVNULL)
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))


def _plan(tmp_path, corpora) -> str:
    plan = tmp_path / "plan.json"
    res = lrtk("sample", "plan", *corpora, "--budget", "500", "--report", plan)
    assert res.code == 0, res.err
    return str(plan)


FOLDER_CASES = [
    ("sample-plan", lambda tmp, corpora: ["sample", "plan", *corpora,
                                          "--report", f"{OUT}/plan.json"]),
    ("sample-draw", lambda tmp, corpora: ["sample", "draw", "--plan", _plan(tmp, corpora),
                                          "-o", f"{OUT}/mix.jsonl"]),
    ("tokenizer-train", lambda tmp, corpora: ["tokenizer", "train", *corpora,
                                              "--vocab-size", "1000", "-o", f"{OUT}/tok"]),
]


@pytest.mark.parametrize("build", [b for _, b in FOLDER_CASES], ids=[i for i, _ in FOLDER_CASES])
def test_a_temporary_folder_that_cannot_take_the_offsets_is_one_line(build, corpora, tmp_path,
                                                                      out):
    args = build(tmp_path, corpora)
    before = snapshot(out)
    res = limited(*args, cwd=tmp_path)
    line = assert_one_line_error(res, tempfile.gettempdir(), "temporary folder", "TMPDIR",
                                 code=1)
    assert "file too large" in line
    assert res.out == ""
    assert_unchanged(out, before)


def _state_of_unknown_version(tmp, state):
    state["version"] = 99
    return state


def _state_of_other_seed(tmp, state):
    state["seed"] = 5
    return state


STATE_CASES = [
    ("state-of-an-unknown-version", _state_of_unknown_version, "unsupported sampler state version 99"),
    ("state-of-another-seed", _state_of_other_seed, "another plan or seed"),
]


@pytest.mark.parametrize("edit,message", [(e, m) for _, e, m in STATE_CASES],
                         ids=[i for i, _, _ in STATE_CASES])
def test_a_state_that_does_not_fit_is_one_line_naming_it(edit, message, corpora, tmp_path, out):
    plan = _plan(tmp_path, corpora)
    state = out / "mix.state"
    res = lrtk("sample", "draw", "--plan", plan, "--seed", "4", "--state", state, "--take", "10",
               "-o", f"{OUT}/part1.jsonl", cwd=tmp_path)
    assert res.code == 0, res.err
    state.write_text(json.dumps(edit(tmp_path, json.loads(state.read_text("utf-8")))),
                     encoding="utf-8")
    before = snapshot(out)
    res = lrtk("sample", "draw", "--plan", plan, "--seed", "4", "--state", state, "--take", "10",
               "-o", f"{OUT}/part2.jsonl", cwd=tmp_path)
    assert message in assert_one_line_error(res, str(state), code=2)
    assert res.out == ""
    assert_unchanged(out, before)
