"""Harness of the bad-input suite (tests/test_bad_inputs_*.py): run `lrtk` as a user does, in
a real process, and check what a user sees after a mistake or a fault.

Every case asserts the same contract (issue 15): a non-zero exit, exactly one `lrtk: error:`
line on stderr that names the file at fault, no traceback, and nothing destroyed or
half-written: the output folder holds exactly what it held before (same bytes, no leftover
temporary files). `kit` is one tiny tokenizer / model / corpus set built from TICO-19 and shared
by all the suites; a case copies what it breaks, never the kit itself. A suite imports the
fixtures it uses: `from test_export import spm_model` and `from badinput import kit`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def error_lines(self) -> list[str]:
        """stderr without warnings and progress bars (tqdm redraws with '\\r')."""
        lines = []
        for raw in self.err.splitlines():
            line = raw.split("\r")[-1].strip()
            if line and not line.startswith("lrtk: warning"):
                lines.append(line)
        return lines


def _env(extra: dict | None) -> dict:
    env = dict(os.environ)
    # The checkout under test, whatever venv runs it.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.setdefault("OMP_NUM_THREADS", "1")
    env.update(extra or {})
    return env


def command(*args) -> list[str]:
    return [sys.executable, "-m", "lrtk.cli.main", *map(str, args)]


def lrtk(*args, cwd: Path | None = None, stdin: bytes | None = None, timeout: float = 300,
         env: dict | None = None) -> Result:
    """Run `lrtk ARGS` in a child process and return what the user would see."""
    proc = subprocess.run(command(*args), cwd=cwd, input=stdin if stdin is not None else b"",
                          capture_output=True, timeout=timeout, env=_env(env))
    return Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                  proc.stderr.decode("utf-8", "replace"))


def interrupted(*args, sig: int = signal.SIGTERM, when=None, after: float = 0.0,
                cwd: Path | None = None, timeout: float = 300, env: dict | None = None) -> Result:
    """Start `lrtk ARGS`, wait until `when()` is true (polled) and `after` more seconds, then
    send `sig`; returns the result. The case fails if the command ends before the signal."""
    proc = subprocess.Popen(command(*args), cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(env))
    deadline = time.monotonic() + timeout
    while when is not None and not when():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"command ended (rc {proc.returncode}) before the signal: {err.decode()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("condition for the signal never became true")
        time.sleep(0.02)
    time.sleep(after)
    assert proc.poll() is None, "command ended before the signal"
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=timeout)
    return Result(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def assert_one_line_error(res: Result, *names: str, code: int | None = None) -> str:
    """A non-zero exit with exactly one `lrtk: error:` line that mentions every name."""
    assert "Traceback" not in res.err, res.err
    lines = res.error_lines()
    assert res.code != 0, f"exit 0 although an error was expected; stderr: {res.err}"
    if code is not None:
        assert res.code == code, f"exit {res.code}, expected {code}: {res.err}"
    assert len(lines) == 1, f"expected one error line, got {len(lines)}:\n{res.err}"
    assert lines[0].startswith("lrtk: error:"), lines[0]
    for name in names:
        assert str(name) in lines[0], f"{name!r} not named in: {lines[0]}"
    return lines[0]


def assert_usage_error(res: Result, *names: str) -> None:
    """A command line click refuses before lrtk runs (unknown or missing option, bad choice):
    click's own usage block, exit 2, its `Error:` line naming the option or value."""
    assert "Traceback" not in res.err, res.err
    assert res.code == 2, f"exit {res.code}, expected 2: {res.err}"
    errors = [line for line in res.error_lines() if line.startswith("Error:")]
    assert len(errors) == 1, res.err
    for name in names:
        assert str(name) in errors[0], f"{name!r} not named in: {errors[0]}"


def earlier_output(folder: Path, command: str) -> Path:
    """A folder as an earlier run of `lrtk command` left it (with its marker), holding one
    file: what a failed run must leave exactly as it was."""
    from lrtk.io.output_checks import MARKER, marker_text

    folder.mkdir()
    (folder / MARKER).write_text(marker_text(command), encoding="utf-8")
    (folder / "previous.txt").write_text("a good earlier result\n", encoding="utf-8")
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file below `folder` (hidden ones included)."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_unchanged(folder: Path, before: dict[str, str]) -> None:
    """Nothing changed, nothing added (no temporary or half-written file), nothing removed."""
    after = snapshot(folder)
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(after) & set(before) if after[k] != before[k])
    assert not (added or removed or changed), \
        f"folder {folder} changed: added {added}, removed {removed}, changed {changed}"


# --- the shared kit --------------------------------------------------------------------------

@dataclass
class Kit:
    root: Path
    spm: Path          # sentencepiece model (TICO-19 English)
    hf: Path           # tiny random Llama checkpoint with tokenizer.model + tokenizer.json
    model: Path        # that checkpoint exported to a 4-bit .lrtk file
    docs_bn: Path      # documents JSONL {"id","lang","text"} (bundled TICO-19 sample, 5 docs)
    docs_en: Path
    pairs: Path        # aligned sentence pairs JSONL {"id","src","tgt"} (TICO-19 bn-en, 300)
    text_bn: Path      # plain text, one sentence a line (TICO-19, 300 lines)
    text_en: Path

    def work(self, tmp_path: Path, *names: str) -> list[Path]:
        """Copies of kit files into tmp_path (a case breaks its copy, never the kit)."""
        out = []
        for name in names:
            src = getattr(self, name)
            dst = tmp_path / src.name
            (shutil.copytree if src.is_dir() else shutil.copy)(src, dst)
            out.append(dst)
        return out


def _first_docs(src: Path, dst: Path, n: int) -> Path:
    with open(src, encoding="utf-8") as fh:
        lines = [next(fh) for _ in range(n)]
    dst.write_text("".join(lines), encoding="utf-8")
    return dst


def build_kit(root: Path, spm_model: Path) -> Kit:
    from conftest import shared_path
    from test_export import save_tiny

    from lrtk.export import QuantSpec, export, from_hf

    root.mkdir(parents=True, exist_ok=True)
    hf = root / "hf"
    save_tiny("llama", hf, spm_model, hf_tokenizer=True)
    model = root / "model.lrtk"
    export(from_hf(hf), model, QuantSpec(bits="4", group_size=64, head="4"))
    bn = shared_path("tico19", "en-bn", "tico19-test.bn").read_text(encoding="utf-8").splitlines()
    en = shared_path("tico19", "en-bn", "tico19-test.en").read_text(encoding="utf-8").splitlines()
    pairs = root / "pairs.jsonl"
    with open(pairs, "w", encoding="utf-8") as fh:
        for i, (s, t) in enumerate(zip(bn[:300], en[:300])):
            fh.write(json.dumps({"id": f"tico-{i}", "src": s, "tgt": t}, ensure_ascii=False) + "\n")
    text_bn, text_en = root / "bn.txt", root / "en.txt"
    text_bn.write_text("\n".join(bn[:300]) + "\n", encoding="utf-8")
    text_en.write_text("\n".join(en[:300]) + "\n", encoding="utf-8")
    samples = REPO / "samples" / "tico19-bn-en"
    return Kit(root=root, spm=spm_model, hf=hf, model=model,
               docs_bn=_first_docs(samples / "docs.bn.jsonl", root / "docs.bn.jsonl", 5),
               docs_en=_first_docs(samples / "docs.en.jsonl", root / "docs.en.jsonl", 5),
               pairs=pairs, text_bn=text_bn, text_en=text_en)


@pytest.fixture(scope="session")
def kit(tmp_path_factory, spm_model) -> Kit:
    pytest.importorskip("torch")
    return build_kit(tmp_path_factory.mktemp("kit"), spm_model)
