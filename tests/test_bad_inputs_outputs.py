"""Bad outputs (issue 15): every stage checks its output paths before any work, replaces only
output directories it made (or with --overwrite), never the current directory or one holding
an input, stops on SIGINT and SIGTERM alike leaving previous outputs as they were, writes its
several outputs together or not at all, and reports unreadable and unwritable paths in one
line. Each case runs the real CLI in a child process (tests/badinput.py).

Permission cases need a process that file permissions apply to. As root (the test machines
run as root) the child is started through `setpriv` without CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH: root then obeys mode bits like any user, so chmod 000 makes a file
unreadable to it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from badinput import (Result, _env, assert_one_line_error, assert_unchanged, command,
                      interrupted, kit, lrtk, snapshot)  # noqa: F401 (kit is a fixture)
from conftest import shared_path
from lrtk.io.output_checks import MARKER
from test_export import spm_model  # noqa: F401 (a fixture the kit needs)

MISSING, PARENT_IS_FILE, IS_DIR = "missing parent", "parent is a file", "is a directory"


def corpus_config(kit, tmp: Path, source: Path | None = None) -> Path:
    path = tmp / "corpus.yaml"
    path.write_text(yaml.safe_dump({
        "name": "tico-test", "src_lang": "bn", "tgt_lang": "en",
        "sources": [{"name": "tico19", "licence": "CC0-1.0", "path": str(source or kit.pairs)}],
        "splits": {"test": 20, "train": "rest"}}), encoding="utf-8")
    return path


def tiny_train(kit, steps: int = 2, tokenizer=None, corpus=None) -> list:
    return ["train", "--tokenizer", tokenizer or kit.spm, "--corpus", f"en={corpus or kit.text_en}",
            "--layers", "1", "--hidden", "32", "--heads", "2", "--ctx", "32",
            "--steps", steps, "--batch-size", "2"]


def tiny_tune(kit, steps: int = 2, train=None) -> list:
    return ["tune", "--model", kit.hf, "--train", train or kit.text_en, "--steps", steps,
            "--batch-size", "2", "--ctx", "32"]


# Every output option of every stage: (id, arguments with OUT for the option under test; the
# other outputs go to files in the case's folder). The commands are refused before they read
# anything, so inputs need not fit.
FILE_OUTPUTS = [
    ("segment -o", lambda k, t: ["segment", "--lang", "en", k.docs_en, "-o", "OUT",
                                 "--report", t / "r.json"]),
    ("segment --report", lambda k, t: ["segment", "--lang", "en", k.docs_en, "-o", t / "s.jsonl",
                                       "--report", "OUT"]),
    ("align -o", lambda k, t: ["align", "--src-lang", "bn", "--tgt-lang", "en", "--src", k.text_bn,
                               "--tgt", k.text_en, "-o", "OUT"]),
    ("align --report", lambda k, t: ["align", "--src-lang", "bn", "--tgt-lang", "en", "--src",
                                     k.text_bn, "--tgt", k.text_en, "-o", t / "a.jsonl",
                                     "--report", "OUT"]),
    ("align score --report", lambda k, t: ["align", "score", "--gold", k.text_en, "--pred",
                                           k.text_en, "--report", "OUT"]),
    ("filter -o", lambda k, t: ["filter", k.pairs, "-o", "OUT"]),
    ("filter --rejects", lambda k, t: ["filter", k.pairs, "-o", t / "k.jsonl", "--rejects", "OUT"]),
    ("filter --report", lambda k, t: ["filter", k.pairs, "-o", t / "k.jsonl", "--report", "OUT"]),
    ("corpus build --report", lambda k, t: ["corpus", "build", "--config", corpus_config(k, t),
                                            "-o", t / "corpus", "--report", "OUT"]),
    ("tokenizer report --report", lambda k, t: ["tokenizer", "report", "--tokenizer", k.spm,
                                                "--corpus", f"en={k.text_en}", "--report",
                                                "OUT"]),
    ("sample plan --report", lambda k, t: ["sample", "plan", "--corpus", f"en={k.text_en}",
                                           "--report", "OUT"]),
    ("sample draw -o", lambda k, t: ["sample", "draw", "--plan", t / "plan.json", "-o", "OUT"]),
    ("sample draw --state", lambda k, t: ["sample", "draw", "--plan", t / "plan.json", "-o",
                                          t / "d.jsonl", "--state", "OUT"]),
    ("sample draw --report", lambda k, t: ["sample", "draw", "--plan", t / "plan.json", "-o",
                                           t / "d.jsonl", "--report", "OUT"]),
    ("taco build -o", lambda k, t: ["taco", "build", "--pairs", k.pairs, "--tgt-lang", "bn", "-o",
                                    "OUT"]),
    ("eval --report", lambda k, t: ["eval", "--hyp", k.text_en, "--ref", k.text_en, "--tgt-lang",
                                    "en", "--report", "OUT"]),
    ("eval --markdown", lambda k, t: ["eval", "--hyp", k.text_en, "--ref", k.text_en, "--tgt-lang",
                                      "en", "--markdown", "OUT"]),
    ("eval --sentence-scores", lambda k, t: ["eval", "--hyp", k.text_en, "--ref", k.text_en,
                                             "--tgt-lang", "en", "--sentence-scores", "OUT"]),
    ("eval --hyp-out", lambda k, t: ["eval", "--model", k.hf, "--test", k.pairs, "--tgt-lang", "en",
                                     "--hyp-out", "OUT"]),
    ("generate -o", lambda k, t: ["generate", "--model", k.hf, k.pairs, "-o", "OUT"]),
    ("export -o", lambda k, t: ["export", k.hf, "-o", "OUT"]),
]
DIR_OUTPUTS = [
    ("train -o", lambda k, t: [*tiny_train(k), "-o", "OUT"]),
    ("tune -o", lambda k, t: [*tiny_tune(k), "-o", "OUT"]),
    ("corpus build -o", lambda k, t: ["corpus", "build", "--config", corpus_config(k, t),
                                      "-o", "OUT"]),
    ("tokenizer train -o", lambda k, t: ["tokenizer", "train", "--corpus", f"en={k.text_en}",
                                         "-o", "OUT"]),  # a prefix: OUT.model, .vocab, .json
]


def _bad_output(tmp: Path, kind: str, nested: bool) -> tuple[Path, str]:
    """An output path that cannot be written, and the name the error line must give."""
    if kind == MISSING:
        return tmp / "nodir" / ("x/y" if nested else "x"), "nodir"
    if kind == PARENT_IS_FILE:
        (tmp / "afile").write_text("not a directory\n", encoding="utf-8")
        return tmp / "afile" / "x", "afile"
    (tmp / "adir").mkdir()
    return tmp / "adir", "adir"


def _args(build, kit, tmp: Path, out) -> list:
    return [out if a == "OUT" else a for a in build(kit, tmp)]


# Every option gets the missing directory; each command's main output also the other kinds
# (a directory output cannot be "a directory").
MAIN_OUTPUTS = {"segment -o", "align -o", "align score --report", "filter -o",
                "corpus build --report", "tokenizer report --report", "sample plan --report",
                "sample draw -o", "taco build -o", "eval --report", "generate -o", "export -o"}
BAD_OUTPUT_CASES = [
    *[pytest.param(build, kind, False, id=f"{name}-{kind}") for name, build in FILE_OUTPUTS
      for kind in ((MISSING, PARENT_IS_FILE, IS_DIR) if name in MAIN_OUTPUTS else (MISSING,))],
    *[pytest.param(build, kind, True, id=f"{name}-{kind}") for name, build in DIR_OUTPUTS
      for kind in (MISSING, PARENT_IS_FILE)],
]


@pytest.mark.parametrize("build,kind,nested", BAD_OUTPUT_CASES)
def test_bad_output_path_is_refused_before_any_work(kit, tmp_path, build, kind, nested):
    out, name = _bad_output(tmp_path, kind, nested)
    args = _args(build, kit, tmp_path, out)
    before = snapshot(tmp_path)
    res = lrtk(*args, cwd=tmp_path)
    assert_one_line_error(res, name, code=2)
    assert_unchanged(tmp_path, before)  # not even the other outputs were written


def test_tokenizer_prefix_whose_model_is_a_directory_is_refused(kit, tmp_path):
    (tmp_path / "spm.model").mkdir()
    before = snapshot(tmp_path)
    res = lrtk("tokenizer", "train", "--corpus", f"en={kit.text_en}", "-o", tmp_path / "spm")
    assert_one_line_error(res, "spm.model", code=2)
    assert_unchanged(tmp_path, before)


# --- output directories: only ours, or with --overwrite ----------------------------------------

def _input_copy(kit, folder: Path) -> Path:
    shutil.copy(kit.text_en, folder / kit.text_en.name)
    return folder / kit.text_en.name


# (command, arguments but -o; the main input is a file in `folder`)
FOLDER_STAGES = [
    ("train", lambda k, folder: tiny_train(k, corpus=_input_copy(k, folder))),
    ("tune", lambda k, folder: tiny_tune(k, train=_input_copy(k, folder))),
    ("corpus build", lambda k, folder: ["corpus", "build", "--config",
                                        corpus_config(k, folder)]),
]


def _existing(out: Path, kind: str, command: str) -> None:
    if kind == "a file":
        out.write_text("someone's notes\n", encoding="utf-8")
        return
    out.mkdir()
    (out / "notes.txt").write_text("someone's notes\n", encoding="utf-8")
    if kind == "another command's output":
        other = "tune" if command == "train" else "train"
        (out / MARKER).write_text(f"lrtk {other}\n", encoding="utf-8")


@pytest.mark.parametrize("kind", ["a file", "a directory of other files",
                                  "another command's output"])
@pytest.mark.parametrize("name,stage", FOLDER_STAGES, ids=[n for n, _ in FOLDER_STAGES])
def test_output_not_made_by_the_command_is_not_replaced(kit, tmp_path, name, stage, kind):
    out = tmp_path / "out"
    _existing(out, kind, name)
    args = stage(kit, tmp_path)
    before = snapshot(tmp_path)
    res = lrtk(*args, "-o", out, cwd=tmp_path)
    assert_one_line_error(res, "out", "--overwrite", code=2)
    assert_unchanged(tmp_path, before)


@pytest.mark.parametrize("target", [".", "cwd", "..", "input folder"])
@pytest.mark.parametrize("name,stage", FOLDER_STAGES, ids=[n for n, _ in FOLDER_STAGES])
def test_current_directory_and_input_folders_are_never_replaced(kit, tmp_path, name, stage,
                                                                target):
    cwd, data = tmp_path / "work", tmp_path / "data"
    cwd.mkdir()
    data.mkdir()
    args = stage(kit, data)
    out = {".": ".", "cwd": cwd, "..": "..", "input folder": data}[target]
    before = snapshot(tmp_path)
    res = lrtk(*args, "-o", out, "--overwrite", cwd=cwd)  # --overwrite does not open this door
    assert_one_line_error(res, "refusing", code=2)
    assert_unchanged(tmp_path, before)


def test_corpus_build_replaces_its_own_output_and_with_overwrite_anything(kit, tmp_path):
    config = corpus_config(kit, tmp_path)
    out = tmp_path / "corpus"
    _existing(out, "a directory of other files", "corpus build")
    res = lrtk("corpus", "build", "--config", config, "-o", out, "--card", tmp_path / "card.md",
               "--overwrite", cwd=tmp_path)
    assert res.code == 0, res.err
    assert not (out / "notes.txt").exists()  # --overwrite: replaced, everything in it
    assert (out / MARKER).read_text(encoding="utf-8").startswith("lrtk corpus build\n")
    first = snapshot(out)
    res = lrtk("corpus", "build", "--config", config, "-o", out, "--card", tmp_path / "card.md",
               cwd=tmp_path)
    assert res.code == 0, res.err  # its own output: no --overwrite needed
    assert snapshot(out) == first
    _assert_usual_modes(out)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _assert_usual_modes(folder: Path) -> None:
    """Files and directories get what open() and mkdir() give under the umask."""
    umask = os.umask(0)
    os.umask(umask)
    for p in [folder, *folder.rglob("*")]:
        want = (0o777 if p.is_dir() else 0o666) & ~umask
        assert stat.S_IMODE(p.stat().st_mode) == want, f"{p}: {oct(p.stat().st_mode)}"


def test_train_overwrite_replaces_a_foreign_directory_with_usual_file_modes(kit, tmp_path):
    out = tmp_path / "lm"
    _existing(out, "a directory of other files", "train")
    res = lrtk(*tiny_train(kit), "-o", out, "--overwrite", cwd=tmp_path)
    assert res.code == 0, res.err
    assert not (out / "notes.txt").exists()
    assert (out / "model.safetensors").is_file()
    _assert_usual_modes(out)  # model.safetensors used to be 0600 (mkdtemp / safetensors)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# --- signals ------------------------------------------------------------------------------------

@contextlib.contextmanager
def fifo(path: Path, data: bytes = b""):
    """A named pipe holding `data` that never ends: a stage reading it waits, mid-run, until
    the test stops it (deterministic, unlike a race against a large input)."""
    os.mkfifo(path)
    fd = os.open(path, os.O_RDWR)  # Linux: opens without a reader, keeps the pipe open
    os.write(fd, data)
    try:
        yield path
    finally:
        os.close(fd)


def assert_stopped(res: Result, sig: int) -> None:
    """Exit 128 + signal, no traceback, and one error line naming the signal, the last line
    (the stage's own progress lines before it are fine)."""
    assert "Traceback" not in res.err, res.err
    assert res.code == 128 + sig, f"exit {res.code}: {res.err}"
    lines = res.error_lines()
    errors = [line for line in lines if line.startswith("lrtk: error:")]
    assert errors == lines[-1:] and signal.Signals(sig).name in errors[0], res.err


def staged(folder: Path):
    """True once a temporary output (.NAME.XXXX.tmp) exists in `folder`."""
    return lambda: any(p.name.startswith(".") and p.name.endswith(".tmp")
                       for p in folder.iterdir())


def _previous(folder: Path, *names: str) -> None:
    for name in names:
        (folder / name).write_text(f"previous {name}\n", encoding="utf-8")


def _previous_output(folder: Path, command: str, *names: str) -> Path:
    """An earlier output directory of `command` (marked as its own) holding `names`."""
    folder.mkdir()
    (folder / MARKER).write_text(f"lrtk {command}\n", encoding="utf-8")
    _previous(folder, *names)
    return folder


STREAM_STAGES = [  # reading their input from a pipe that stays open
    ("segment", lambda k, t, pipe: ["segment", "--lang", "en", pipe, "-o", t / "out",
                                    "--report", t / "report"]),
    ("filter", lambda k, t, pipe: ["filter", pipe, "-o", t / "out", "--rejects", t / "rejects",
                                   "--report", t / "report"]),
    ("align", lambda k, t, pipe: ["align", "--src-lang", "bn", "--tgt-lang", "en", "--src", pipe,
                                  "--tgt", k.text_en, "-o", t / "out", "--report",
                                  t / "report"]),
]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("stage", [b for _, b in STREAM_STAGES], ids=[i for i, _ in STREAM_STAGES])
def test_stream_stage_stopped_by_a_signal_leaves_previous_outputs(kit, tmp_path, stage, sig):
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    _previous(outputs, "out", "rejects", "report")
    before = snapshot(outputs)
    first_lines = b"".join(kit.docs_en.read_bytes().splitlines(keepends=True)[:2])
    with fifo(tmp_path / "pipe", first_lines) as pipe:
        res = interrupted(*stage(kit, outputs, pipe), sig=sig, when=staged(outputs))
    assert_stopped(res, sig)
    assert_unchanged(outputs, before)


def test_corpus_build_stopped_by_sigterm_leaves_the_previous_corpus(kit, tmp_path):
    out = _previous_output(tmp_path / "corpus", "corpus build", "train.bn", "train.en")
    _previous(tmp_path, "card.md")
    with fifo(tmp_path / "pipe", kit.pairs.read_bytes()[:2000]) as pipe:
        config = corpus_config(kit, tmp_path, source=pipe)
        before = snapshot(tmp_path)
        res = interrupted("corpus", "build", "--config", config, "-o", out, "--card",
                          tmp_path / "card.md", "--report", tmp_path / "report.json",
                          when=staged(tmp_path))
    assert_stopped(res, signal.SIGTERM)
    assert_unchanged(tmp_path, before)


def test_tokenizer_stopped_by_sigint_keeps_the_old_model_vocab_and_json_together(tmp_path):
    en = shared_path("tico19", "en-bn", "tico19-test.en")
    bn = shared_path("tico19", "en-bn", "tico19-test.bn")
    _previous(tmp_path, "spm.model", "spm.vocab", "spm.json")
    before = snapshot(tmp_path)
    res = interrupted("tokenizer", "train", "--corpus", f"en={en}", "--corpus", f"bn={bn}",
                      "--vocab-size", "3000", "--threads", "1", "-o", tmp_path / "spm",
                      sig=signal.SIGINT, when=staged(tmp_path))
    assert_stopped(res, signal.SIGINT)
    assert_unchanged(tmp_path, before)


def test_train_stopped_by_sigterm_mid_training_keeps_the_previous_model(kit, tmp_path):
    out = _previous_output(tmp_path / "lm", "train", "config.json")
    before = snapshot(out)
    metrics = tmp_path / "lm.ckpt" / "metrics.jsonl"
    res = interrupted(*tiny_train(kit, steps=100000), "-o", out, cwd=tmp_path,
                      when=lambda: metrics.is_file() and metrics.stat().st_size > 0)
    assert_stopped(res, signal.SIGTERM)
    assert_unchanged(out, before)
    # lm.ckpt/ (checkpoints and the live metrics log, for --resume) is all that is new
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lm", "lm.ckpt"]


def test_tune_stopped_by_sigterm_keeps_the_previous_output(kit, tmp_path):
    out = _previous_output(tmp_path / "tuned", "tune", "report.json")
    before = snapshot(tmp_path)
    # The staged folder appears before the model loads; two seconds later it is training.
    res = interrupted(*tiny_tune(kit, steps=100000), "-o", out, cwd=tmp_path,
                      when=staged(tmp_path), after=2.0)
    assert_stopped(res, signal.SIGTERM)
    assert_unchanged(tmp_path, before)


def test_outputs_of_a_group_appear_together_or_not_at_all(tmp_path):
    """The mechanism under every multi-file stage, in-process: an interruption between two
    outputs leaves neither; a signal during the commit waits until every file is in place."""
    from lrtk.io.atomic import atomic_output, output_group
    from lrtk.io.signals import Interrupted, stop_signals_raise

    _previous(tmp_path, "a", "b")
    before = snapshot(tmp_path)
    with stop_signals_raise(), pytest.raises(Interrupted):
        with output_group():
            with atomic_output(tmp_path / "a") as fh:
                fh.write("new a\n")
            os.kill(os.getpid(), signal.SIGTERM)
            with atomic_output(tmp_path / "b") as fh:
                fh.write("new b\n")
    assert_unchanged(tmp_path, before)

    from lrtk.io.atomic import OutputGroup

    group = OutputGroup()
    for name in ("a", "b"):
        Path(group.stage_file(tmp_path / name)).write_text(f"new {name}\n", encoding="utf-8")
    real_replace, calls = os.replace, []

    def replace_then_signal(src, dst):
        real_replace(src, dst)
        calls.append(dst)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGTERM)  # between the two renames

    with stop_signals_raise(), pytest.raises(Interrupted):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(os, "replace", replace_then_signal)
            group.commit()
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()} == \
        {"a": "new a\n", "b": "new b\n"}


def test_a_forked_worker_stopped_by_a_signal_just_ends():
    """A pool worker shares the process group, so Ctrl-C reaches it too; it must end at once
    (exit 128 + signal) and leave the cleanup to the parent, not unwind the parent's code."""
    from lrtk.io.signals import stop_signals_raise

    with stop_signals_raise():
        pid = os.fork()
        if pid == 0:  # the worker
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                signal.pause()
            finally:
                os._exit(1)  # reached only if the signal raised in the worker
        _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 143


# --- unreadable and unwritable paths ------------------------------------------------------------

def without_root_powers(*args, cwd: Path | None = None) -> Result:
    """`lrtk ARGS` as a process that file permissions apply to (see the module docstring)."""
    prefix = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: permissions cannot apply")
        prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]
    proc = subprocess.run([*prefix, *command(*args)], cwd=cwd, capture_output=True,
                          timeout=300, env=_env(None), stdin=subprocess.DEVNULL)
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))


@pytest.fixture
def probe_permissions(tmp_path):
    """Skip if this machine cannot make a file unreadable to the child."""
    probe = tmp_path / ".probe"
    probe.write_text("x", encoding="utf-8")
    probe.chmod(0)
    res = without_root_powers("segment", "--lang", "en", probe, "-o", os.devnull)
    probe.unlink()
    if "permission denied" not in res.err.lower():
        pytest.skip(f"file permissions do not apply to the child here: {res.err[-200:]}")


# (id, files to copy from the kit, arguments; UNREADABLE is the copy made unreadable)
UNREADABLE_INPUTS = [
    ("segment", "docs_en", lambda k, f: ["segment", "--lang", "en", f, "-o", "out"]),
    ("align", "text_bn", lambda k, f: ["align", "--src-lang", "bn", "--tgt-lang", "en", "--src",
                                       f, "--tgt", k.text_en, "-o", "out"]),
    ("filter", "pairs", lambda k, f: ["filter", f, "-o", "out"]),
    ("corpus build", "pairs", lambda k, f: ["corpus", "build", "--config",
                                            corpus_config(k, f.parent, source=f), "-o", "out"]),
    ("tokenizer train", "text_en", lambda k, f: ["tokenizer", "train", "--corpus", f"en={f}",
                                                 "-o", "spm"]),
    ("tokenizer report", "spm", lambda k, f: ["tokenizer", "report", "--tokenizer", f, "--corpus",
                                              f"en={k.text_en}"]),
    ("train --tokenizer", "spm", lambda k, f: [*tiny_train(k, tokenizer=f), "-o", "lm"]),
    ("tune --train", "text_en", lambda k, f: [*tiny_tune(k, train=f), "-o", "t"]),
    ("export weights", "hf", lambda k, f: ["export", f.parent, "-o", "m.lrtk"]),
]


@pytest.mark.parametrize("files,build", [(f, b) for _, f, b in UNREADABLE_INPUTS],
                         ids=[i for i, _, _ in UNREADABLE_INPUTS])
def test_unreadable_input_is_one_permission_line(kit, tmp_path, probe_permissions, files, build):
    (copy,) = kit.work(tmp_path, files)
    unreadable = copy / "model.safetensors" if copy.is_dir() else copy
    args = build(kit, unreadable)
    unreadable.chmod(0)
    before = snapshot(tmp_path)
    try:
        res = without_root_powers(*args, cwd=tmp_path)
    finally:
        unreadable.chmod(0o644)
    line = assert_one_line_error(res, unreadable.name, code=2)
    assert "permission denied" in line.lower() and "no such file" not in line.lower()
    assert_unchanged(tmp_path, before)


def test_unreadable_model_directory_is_one_permission_line(kit, tmp_path, probe_permissions):
    (hf,) = kit.work(tmp_path, "hf")
    hf.chmod(0)
    try:
        res = without_root_powers("export", hf, "-o", tmp_path / "m.lrtk")
    finally:
        hf.chmod(0o755)
    line = assert_one_line_error(res, "hf", code=2)
    assert "permission denied" in line


READ_ONLY_CASES = [case for case in FILE_OUTPUTS
                   if case[0] in ("segment -o", "filter -o", "export -o")] + DIR_OUTPUTS


@pytest.mark.parametrize("build", [b for _, b in READ_ONLY_CASES],
                         ids=[i for i, _ in READ_ONLY_CASES])
def test_read_only_output_directory_is_one_permission_line(kit, tmp_path, probe_permissions,
                                                           build):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        res = without_root_powers(*_args(build, kit, tmp_path, locked / "out"), cwd=tmp_path)
    finally:
        locked.chmod(0o755)
    line = assert_one_line_error(res, "locked", code=2)
    assert "permission denied" in line
    assert list(locked.iterdir()) == []


def test_read_only_output_file_is_kept(kit, tmp_path, probe_permissions):
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n", encoding="utf-8")
    out.chmod(0o444)
    res = without_root_powers("segment", "--lang", "en", kit.docs_en, "-o", out, cwd=tmp_path)
    line = assert_one_line_error(res, "out.jsonl", code=2)
    assert "read-only" in line
    assert out.read_text(encoding="utf-8") == "precious\n"


def test_a_programming_error_is_not_hidden_as_a_path_problem(tmp_path, monkeypatch, capsys):
    """Only OSErrors that name a file become one line; anything else keeps its traceback."""
    import lrtk.cli.main as main

    def broken(**kwargs):
        raise OSError("no file involved")

    monkeypatch.setattr(main, "app", broken)
    with pytest.raises(OSError, match="no file involved"):
        main.main()


def test_os_error_naming_a_file_is_one_line(monkeypatch, capsys):
    import errno

    import lrtk.cli.main as main

    def full(**kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "out/model.safetensors")

    monkeypatch.setattr(main, "app", full)
    with pytest.raises(SystemExit) as stop:
        main.main()
    err = capsys.readouterr().err
    assert stop.value.code == 1
    assert err == ("lrtk: error: out/model.safetensors: no space left on device "
                   "(free some disk space)\n")
