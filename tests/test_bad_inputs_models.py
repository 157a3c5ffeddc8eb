"""Bad model files and bad options of `lrtk run`, `ppl`, `bench` and `export`, and of lrtk-run
(issue 15): each is one error line naming the file and what is wrong, and nothing is changed.

The model-file cases break a copy of the kit's 4-bit export byte by byte: every command that
opens a model file goes through the one native loader, so each case must read the same in all
of them."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess

import numpy as np
import pytest

from badinput import assert_one_line_error, assert_unchanged, kit, lrtk, snapshot  # noqa: F401
from model_file_edit import Layout, set_header
from test_export import spm_model  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def good(kit):  # noqa: F811
    return kit.model.read_bytes(), Layout(kit.model)


@pytest.fixture(scope="module")
def lrtk_run_bin():
    from test_runtime import _lrtk_run

    if shutil.which("cmake") is None:
        pytest.skip("cmake not installed")
    return _lrtk_run("native-test")


def _broken(tmp_path, good, edit) -> tuple:
    """A copy of the kit model with `edit(data, layout)` applied, and the folder's snapshot."""
    data, layout = good
    path = tmp_path / "model.lrtk"
    path.write_bytes(edit(data, layout))
    return path, snapshot(tmp_path)


def _entry(name, field, value):
    return lambda d, L: L.entry(d, name, field, value)


def _blob(name, payload):
    return lambda d, L: L.replace(d, name, payload)


NORM = "model.norm.weight"
# id -> (edit of the good file, what the error line says)
MALFORMED = {
    "empty": (lambda d, L: b"", "not an lrtk model file (too short)"),
    "random-bytes": (lambda d, L: random.Random(0).randbytes(4096), "(bad magic)"),
    "short": (lambda d, L: d[:40], "not an lrtk model file (too short)"),
    "bad-magic": (lambda d, L: set_header(d, "magic", b"GGUF\0\0\0\0"), "(bad magic)"),
    "future-version": (lambda d, L: set_header(d, "version", 99),
                       "unsupported model file version 99 (this runtime reads 4)"),
    "huge-tensor-count": (lambda d, L: set_header(d, "n_tensors", 2**32 - 1),
                          "a tensor table of 4294967295 entries needs 549755813840 bytes"),
    "no-tensors": (lambda d, L: set_header(d, "n_tensors", 0), "the tensor table is empty"),
    "table-cut": (lambda d, L: d[:L.table_end - 100], "truncated model file: a tensor table of"),
    "data-cut": (lambda d, L: d[:len(d) - 1000], "truncated model file: tensor"),
    "unterminated-name": (_entry(NORM, "name", b"x" * 64), "has an unterminated name"),
    # Sizes as stored, unsigned: never a wrapped offset + size.
    "offset-overflow": (_entry(NORM, "offset", 2**64 - 64),
                        f"{NORM} has 256 bytes at offset 18446744073709551552 but the file has"),
    "size-overflow": (_entry(NORM, "nbytes", 2**64 - 1), f"{NORM} has 18446744073709551615 bytes"),
    "unaligned-offset": (lambda d, L: L.entry(d, NORM, "offset", L.tensor(NORM).offset + 4),
                         f"{NORM} has bad offset"),
    "negative-rows": (_entry(NORM, "rows", -5), f"{NORM} has a negative shape"),
    "unknown-dtype": (_entry(NORM, "dtype", 77), f"{NORM} has unknown dtype 77"),
    "wrong-shape": (_entry(NORM, "rows", 65), f"{NORM} has shape 65x1, expected 64x1"),
    "zero-vocab": (lambda d, L: set_header(d, "vocab_size", 0), "header field vocab_size is 0"),
    "negative-dim": (lambda d, L: set_header(d, "dim", -7), "header field dim is -7"),
    "huge-layer-count": (lambda d, L: set_header(d, "n_layers", 2**31 - 1),
                         "layer_window has shape 2x1, expected 2147483647x1"),
    "bos-outside-vocab": (lambda d, L: set_header(d, "bos_id", 10**6),
                          "bos_id 1000000 or eos_id 2 is outside the vocabulary of 320"),
    "nan-norm-eps": (lambda d, L: set_header(d, "norm_eps", float("nan")),
                     "norm_eps nan or rope_attn_scale 1 is not a positive number"),
}

# How each command opens a model (small and fast where the file is good).
COMMANDS = {
    "run": lambda kit, m: lrtk("run", m, "--prompt", "The virus", "-n", "2"),
    "ppl": lambda kit, m: lrtk("ppl", m, "--data", kit.text_en, "--max-tokens", "64"),
    "bench": lambda kit, m: lrtk("bench", m, "-t", "1", "--prompt-tokens", "4",
                                 "--decode-tokens", "2", "--repeats", "1"),
}


# bench, which parsed the header itself, gets every case; run and ppl, which always used the
# native loader, one of each kind (they open the file the same way, through NativeModel).
SAMPLE = ("empty", "random-bytes", "future-version", "huge-tensor-count", "size-overflow",
          "unknown-dtype", "zero-vocab")


@pytest.mark.parametrize("case, command", [(c, "bench") for c in MALFORMED]
                         + [(c, cmd) for c in SAMPLE for cmd in ("run", "ppl")])
def test_malformed_model_file_is_one_error_line(case, command, kit, good, tmp_path):  # noqa: F811
    edit, message = MALFORMED[case]
    model, before = _broken(tmp_path, good, edit)
    res = COMMANDS[command](kit, model)
    assert_one_line_error(res, str(model), message, code=1)
    assert res.out == ""
    assert_unchanged(tmp_path, before)


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_model_file_lrtk_run(case, good, lrtk_run_bin, tmp_path):
    """lrtk-run (C only) reports the same line as the Python commands, in its own prefix."""
    edit, message = MALFORMED[case]
    model, before = _broken(tmp_path, good, edit)
    res = subprocess.run([str(lrtk_run_bin), str(model), "-i", "1 5", "-n", "2"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1 and res.stdout == ""
    assert res.stderr.count("\n") == 1 and res.stderr.startswith(f"lrtk-run: {model}: ")
    assert message in res.stderr
    assert_unchanged(tmp_path, before)


def test_read_header_is_the_loaders_check(good, tmp_path):
    """read_header (inspection, tests) refuses what the commands refuse, with the same error."""
    from lrtk.errors import DataError
    from lrtk.runtime.binding import read_header

    model, _ = _broken(tmp_path, good, MALFORMED["huge-tensor-count"][0])
    with pytest.raises(DataError, match="a tensor table of 4294967295 entries"):
        read_header(str(model))


def _rename(name, new):
    return _entry(name, "name", new.encode())


TOKENIZER = {
    "tokenizer-json-garbled": (_blob("tokenizer.json", b"{garbage"),
                               "tokenizer.json cannot be read: key must be a string"),
    "tokenizer-json-not-utf8": (_blob("tokenizer.json", b"\xff" * 64),
                                "tokenizer.json cannot be read: 'utf-8' codec"),
    "tokenizer-config-deeply-nested": (_blob("tokenizer_config.json", b"[" * 5000),
                                       "tokenizer_config.json cannot be read"),
    "tokenizer-config-not-object": (_blob("tokenizer_config.json", b"[1]"),
                                    "tokenizer_config.json is not a JSON object"),
    "sentencepiece-garbled": (lambda d, L: L.replace(_rename("tokenizer.json", "x.json")(d, L),
                                                     "tokenizer.model", b"garbage"),
                              "tokenizer.model cannot be read"),
    "no-tokenizer": (lambda d, L: _rename("tokenizer.model", "x.model")(
        _rename("tokenizer.json", "x.json")(d, L), L), "no tokenizer (tokenizer.json or"),
}


@pytest.mark.parametrize("command", ["run", "ppl"])
@pytest.mark.parametrize("case", list(TOKENIZER))
def test_damaged_embedded_tokenizer_is_one_error_line(case, command, kit, good,  # noqa: F811
                                                      tmp_path):
    edit, message = TOKENIZER[case]
    model, before = _broken(tmp_path, good, edit)
    res = COMMANDS[command](kit, model)
    line = assert_one_line_error(res, str(model), message, code=1)
    assert "export the model again" in line and res.out == ""
    assert_unchanged(tmp_path, before)


def _nan_norm(d, L):
    return L.replace(d, NORM, np.full(64, np.nan, "<f4").tobytes())


def _huge_head_scales(d, L):
    """Finite logits in the millions: the mean NLL overflows exp (was an OverflowError)."""
    n = L.tensor("lm_head.weight.scales").nbytes // 2
    return L.replace(d, "lm_head.weight.scales", np.full(n, 60000, "<f2").tobytes())


@pytest.mark.parametrize("edit, message", [
    (_nan_norm, "the perplexity is not a finite number: the model's logits are not finite"),
    (_huge_head_scales, "the perplexity is not a finite number: the model's logits are too large"),
], ids=["nan-weights", "overflowing-logits"])
def test_ppl_without_a_meaningful_result_is_json_null(edit, message, kit,  # noqa: F811
                                                      good, tmp_path):
    model, before = _broken(tmp_path, good, edit)
    res = COMMANDS["ppl"](kit, model)
    assert_one_line_error(res, str(model), message, code=1)
    row = json.loads(res.out)  # parseable: no NaN or Infinity
    assert row["ppl"] is None and row["model"] == str(model)
    assert_unchanged(tmp_path, before)


def test_ppl_refuses_a_context_of_one_token(kit, good, tmp_path):  # noqa: F811
    model, before = _broken(tmp_path, good, lambda d, L: set_header(d, "max_seq_len", 1))
    res = COMMANDS["ppl"](kit, model)
    assert_one_line_error(res, str(model), "the model's context of 1 token is too short", code=1)
    assert res.out == ""
    res = COMMANDS["run"](kit, model)
    assert_one_line_error(res, str(model), "context full", code=2)
    assert_unchanged(tmp_path, before)


def test_run_prompt_that_is_not_utf8(kit, tmp_path):  # noqa: F811
    res = lrtk("run", kit.model, "--prompt", os.fsdecode(b"The \xff\xfe virus"))
    assert_one_line_error(res, "--prompt is not valid UTF-8 (at character 5)", code=2)
    assert res.out == ""
    # --interactive: the lines before the bad one are answered, then one error names the line.
    res = lrtk("run", kit.model, "--interactive", "-n", "2", stdin=b"The virus\nThe \xff virus\n")
    assert_one_line_error(res, "<stdin>:2: invalid UTF-8 at byte offset 14", code=1)
    assert res.out.count("\n") == 1


@pytest.mark.parametrize("command, args", [
    ("run", ["--prompt", "The virus", "-n", "2"]),
    ("ppl", ["--data", "TEXT", "--max-tokens", "64"]),
    ("bench", ["--prompt-tokens", "4", "--decode-tokens", "2", "--repeats", "1"]),
])
def test_more_threads_than_cores_are_capped_with_a_note(command, args, kit):  # noqa: F811
    """10000 threads used to take minutes to start; now the cores are used, and said so."""
    cores = os.cpu_count()
    args = [str(kit.text_en) if a == "TEXT" else a for a in args]
    res = lrtk(command, kit.model, "--threads", "10000", *args, timeout=120)
    assert res.code == 0, res.err
    assert f"lrtk: warning: --threads 10000 is more than the {cores} cores here; using {cores}" \
        in res.err
    assert res.error_lines() == [], res.err
    if command == "ppl":
        assert json.loads(res.out)["ppl"] > 1
    if command == "bench":
        assert f" x{cores} [" in res.out and "prefill" in res.out


def test_lrtk_run_caps_threads_too(kit, lrtk_run_bin):  # noqa: F811
    cores = os.cpu_count()
    res = subprocess.run([str(lrtk_run_bin), str(kit.model), "-i", "1 5", "-n", "2", "-t", "10000"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stderr == (f"lrtk-run: note: -t 10000 is more than the {cores} cores here; "
                          f"using {cores}\n")
    assert len(res.stdout.split()) == 2


@pytest.mark.parametrize("args, name", [
    (["bench", "nosuch.lrtk"], "nosuch.lrtk: model file not found"),
    (["bench", "model", "nosuch.lrtk"], "nosuch.lrtk: model file not found"),
    (["bench", "kernals"], "kernals: model file not found (lrtk bench takes a model file"),
], ids=["bench-path", "bench-model-path", "bench-mistyped-subcommand"])
def test_bench_missing_model_file(args, name, tmp_path):
    res = lrtk(*args, cwd=tmp_path)
    assert_one_line_error(res, name, code=2)
    assert res.out == "" and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("damage, message", [
    (lambda hf: [(hf / f).unlink() for f in ("tokenizer.model", "tokenizer.json",
                                             "tokenizer_config.json")],
     "no tokenizer (tokenizer.json or tokenizer.model) found (copy the tokenizer"),
    (lambda hf: (hf / "tokenizer.json").write_text("{garbage"), "tokenizer.json cannot be read"),
], ids=["no-tokenizer", "garbled-tokenizer-json"])
def test_export_refuses_a_checkpoint_without_a_usable_tokenizer(damage, message,  # noqa: F811
                                                               kit, tmp_path):
    (hf,) = kit.work(tmp_path, "hf")
    damage(hf)
    out = tmp_path / "out"
    out.mkdir()
    (out / "m.lrtk").write_bytes(b"previous export")
    before = snapshot(tmp_path)
    res = lrtk("export", hf, "-o", out / "m.lrtk", "--bits", "4")
    assert_one_line_error(res, str(hf), message, code=1)
    assert_unchanged(tmp_path, before)


def test_export_of_random_weights_needs_no_tokenizer(kit, tmp_path):  # noqa: F811
    """The one tokenizer-less use, benchmarks (`--random-config`), still exports."""
    res = lrtk("export", "--random-config", kit.hf / "config.json", "-o", tmp_path / "r.lrtk",
               "--bits", "4")
    assert res.code == 0, res.err
    assert (tmp_path / "r.lrtk").stat().st_size > 0
