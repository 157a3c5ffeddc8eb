"""lrtk/runtime/binding.py mirrors native/include/lrtk_model.h by hand: its statuses are checked
against the header, read as text, and lrtk-run's use of them in a real run.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from badinput import kit  # noqa: F401  (fixture)
from test_bad_inputs_models import lrtk_run_bin  # noqa: F401  (fixture)
from test_export import spm_model  # noqa: F401  (fixture)

from lrtk.runtime.binding import ModelStatus, NativeModel

HEADER = Path(__file__).resolve().parents[1] / "native" / "include" / "lrtk_model.h"
def _text() -> str:
    return re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)


def test_model_status_mirror():
    """binding.ModelStatus holds exactly the header's lrtk_model_status values."""
    body = re.search(r"typedef enum \{([^}]*)\} lrtk_model_status;", _text()).group(1)
    header = {name: int(value) for name, value in re.findall(r"LRTK_MODEL_(\w+) = (-?\d+)", body)}
    assert header == {s.name: int(s) for s in ModelStatus}


def test_strerror_names_every_status():
    """lrtk_model_strerror has a message of its own for every status, and a fallback."""
    from lrtk.runtime.binding import lib

    messages = {s: lib().lrtk_model_strerror(s).decode() for s in ModelStatus}
    unknown = lib().lrtk_model_strerror(-99).decode()
    assert len(set(messages.values())) == len(ModelStatus)
    assert unknown not in messages.values()
    assert messages[ModelStatus.E_TOKEN] == "token id outside the vocabulary"


# lrtk-run reads statuses by name and prints lrtk_model_strerror's line; id -> (prompt ids for
# a model with context `ctx` and vocabulary `vocab`, the stderr line after "lrtk-run: ").
LRTK_RUN_CASES = {
    "token-outside-vocab": (lambda ctx, vocab: [1, vocab], "token id outside the vocabulary"),
    # Every id is counted: a long prompt is refused, not cut to the context.
    "prompt-past-context": (lambda ctx, vocab: [1] * (ctx + 1),
                            "prompt longer than the context ({n} ids, context {ctx})"),
}


def _context_and_vocab(model) -> tuple[int, int]:
    """The model's full context (read_header opens it with a context of 1) and vocabulary."""
    with NativeModel(str(model), mmap=True) as m:
        return m.config["max_seq_len"], m.config["vocab_size"]


@pytest.mark.parametrize("case", sorted(LRTK_RUN_CASES))
def test_lrtk_run_status_lines(case, kit, lrtk_run_bin):  # noqa: F811
    ctx, vocab = _context_and_vocab(kit.model)
    make_ids, line = LRTK_RUN_CASES[case]
    ids = make_ids(ctx, vocab)
    res = subprocess.run([str(lrtk_run_bin), str(kit.model), "-i", " ".join(map(str, ids)),
                          "-n", "2"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert res.stdout == ""  # nothing generated, not even an empty line
    assert res.stderr == "lrtk-run: " + line.format(n=len(ids), ctx=ctx) + "\n"


def test_lrtk_run_prompt_filling_the_context(kit, lrtk_run_bin):  # noqa: F811
    """A prompt of exactly the context runs (the boundary of the case above): no room to
    generate, so an empty line and exit 0."""
    ids = " ".join(["1"] * _context_and_vocab(kit.model)[0])
    res = subprocess.run([str(lrtk_run_bin), str(kit.model), "-i", ids, "-n", "2"],
                         capture_output=True, text=True, timeout=60)
    assert (res.returncode, res.stdout, res.stderr) == (0, "\n", "")
