"""Every ```sh block of README.md and docs/*.md runs as written, so the docs cannot drift.

The convention (docs/conventions.md#code-blocks-in-the-docs): a fenced block tagged `sh` is a
command a reader types in a fresh shell at the repository root after `make setup`, with `lrtk`
on PATH; the test runs a page's `sh` blocks in order in ONE `bash -euo pipefail` process, so a
block may use what an earlier block of the same page made. Output examples and configs are
tagged `text`, `yaml`, `json`, ...; a block that cannot run in a test (a cluster, a Pi, hours
of compute) is tagged `sh-norun` with its reason on the prose line right above it.

Each page runs in a scratch copy of the checkout (tracked and untracked, not ignored, files)
next to a link to the shared data, so it sees exactly what a fresh clone provides and nothing
an earlier run left behind; afterwards every file outside `out/` must be as it was.
Sizes: blocks say ${STEPS:-200} and the like; SMALL below sets them tiny (the README's
walk-through names them).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, SHARED_DATA

# On a line of its own: conventions.md quotes the marker in its prose.
_AFTER = re.compile(r"^<!-- docs-blocks: after (\S+\.md) -->$", re.M)


def _chain_depth(page: Path) -> int:
    """0 for a page that follows none, else one more than the deepest page it follows."""
    names = _AFTER.findall(page.read_text(encoding="utf-8"))
    return 1 + max(_chain_depth(page.parent / n) for n in names) if names else 0


# A page that continues others' examples runs after them, so it can start from their outputs
# (see _FINISHED): generate.md follows tune.md, which follows train.md.
PAGES = sorted([REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))], key=_chain_depth)

# The documented size variables (the README's walk-through names them), small for `make test`.
SMALL = {"STEPS": "12"}

RUN_TAG, NORUN_TAG = "sh", "sh-norun"
_FENCE = re.compile(r"^(\s*)(```|~~~)\s*([^\s`]*)")
# A page whose examples continue another page's says so in its prose, e.g. "(run the example
# of [train.md](train.md) first)", and carries `<!-- docs-blocks: after train.md -->` (_AFTER).
PAGE_TIMEOUT_S = 1800  # a guard against a hung block, not a speed check


@dataclass
class Block:
    tag: str
    line: int  # 1-based line of the opening fence
    text: str
    reason: str  # the prose line right above the fence ("" for a fence, heading or comment)


def blocks_of(page: Path) -> list[Block]:
    """The fenced blocks of a page, in order; indentation (blocks in lists) is stripped."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, tag = m.groups()
        end = i + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        above = next((ln.strip() for ln in reversed(lines[:i]) if ln.strip()), "")
        reason = "" if above.startswith(("```", "~~~", "#", "<!--")) else above  # prose only
        body = "\n".join(ln[len(indent):] if ln.startswith(indent) else ln
                         for ln in lines[i + 1:end])
        found.append(Block(tag, i + 1, body, reason))
        i = end + 1
    return found


# out/ of every page whose blocks passed in this session: a page that runs after it starts
# from a copy instead of running its blocks again (train.md's model serves two pages).
_FINISHED: dict[Path, Path] = {}


def runnable_blocks(page: Path) -> tuple[list[Path], list[tuple[Path, Block]]]:
    """What a reader runs for `page`: the pages it follows (their out/ folders when they already
    passed, else their blocks), then its own sh blocks."""
    reused, blocks = [], []
    for name in _AFTER.findall(page.read_text(encoding="utf-8")):
        dep = page.parent / name
        if dep in _FINISHED:
            reused.append(_FINISHED[dep])
        else:
            dep_reused, dep_blocks = runnable_blocks(dep)
            reused += dep_reused
            blocks += dep_blocks
    return reused, blocks + [(page, b) for b in blocks_of(page) if b.tag == RUN_TAG]


def _rel(page: Path) -> str:
    return str(page.relative_to(REPO))


def _scratch_checkout(dest: Path) -> Path:
    """A copy of the files a fresh clone has (plus untracked, not ignored), beside shared data."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                           check=True, capture_output=True).stdout.decode().split("\0")
    root = dest / "lrtk"
    for name in filter(None, files):
        src = REPO / name
        if src.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / name)
    if SHARED_DATA.is_dir():  # blocks reach it as ../shared/data, as in a real checkout
        (dest / "shared").mkdir()
        (dest / "shared" / "data").symlink_to(SHARED_DATA.resolve())
    return root


def _path_with_lrtk(bin_dir: Path) -> str:
    """`lrtk` and `python` on PATH: the venv's `lrtk` (what `make setup` installs) when this
    interpreter has one, else this interpreter running the checkout's CLI. The shim drops the
    current directory from sys.path, as the installed script does: the scratch copy's package
    has no native library built beside it."""
    bin_dir.mkdir()
    lrtk = bin_dir / "lrtk"
    installed = Path(sys.executable).parent / "lrtk"
    if installed.is_file():
        lrtk.symlink_to(installed)
    else:
        run = ('import runpy, sys; del sys.path[0]; sys.argv[0] = "lrtk"; '
               'runpy.run_module("lrtk.cli.main", run_name="__main__")')
        lrtk.write_text(f"#!/bin/sh\nexec '{sys.executable}' -c '{run}' \"$@\"\n")
        lrtk.chmod(0o755)
    # A script, not a link: a venv's python finds its packages from the path it was started by.
    python = bin_dir / "python"
    python.write_text(f"#!/bin/sh\nexec '{sys.executable}' \"$@\"\n")
    python.chmod(0o755)
    return f"{bin_dir}{os.pathsep}{os.environ['PATH']}"


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file outside out/: size and modification time."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*")
            if p.is_file() and not p.is_symlink() and p.relative_to(root).parts[0] != "out"}


def _script(blocks: list[tuple[Path, Block]], marker: Path) -> str:
    """One shell script: before each block, its page and line go to `marker` (who failed)."""
    parts = ["set -euo pipefail"]
    for page, b in blocks:
        parts += [f"echo '{_rel(page)}:{b.line}' > '{marker}'", b.text]
    parts.append(f"echo done > '{marker}'")
    return "\n".join(parts) + "\n"


def test_convention_and_sizes_are_documented():
    assert "## Code blocks in the docs" in (REPO / "docs" / "conventions.md").read_text()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert all(f"{name}={value}" in readme for name, value in SMALL.items()), (
        f"README's walk-through must name the sizes the test uses: {SMALL}")


def test_readme_stays_short():
    """The README is the first screen and one paragraph per stage; details go to docs/."""
    size = len((REPO / "README.md").read_bytes())
    assert size < 15_000, f"README.md is {size:,} bytes; move details to docs/ (limit 15,000)"


@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_every_block_is_tagged(page: Path):
    """An untagged fence hides commands from the run; a norun block must say why above it."""
    bad = [f"line {b.line}: fence without a tag (sh, sh-norun, text, yaml, json, ...)"
           for b in blocks_of(page) if not b.tag]
    bad += [f"line {b.line}: sh-norun block without a reason on the line above"
            for b in blocks_of(page) if b.tag == NORUN_TAG and not b.reason]
    bad += [f"line {b.line}: `$ ` prompts in an sh block (tag the transcript `text`)"
            for b in blocks_of(page) if b.tag == RUN_TAG and b.text.lstrip().startswith("$ ")]
    assert not bad, f"{_rel(page)}: " + "; ".join(bad)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=_rel)
def test_sh_blocks_run_as_written(page: Path, tmp_path: Path):
    reused, blocks = runnable_blocks(page)
    if not blocks:
        pytest.skip(f"{_rel(page)} has no sh blocks")
    if any("../shared/data" in b.text for _, b in blocks) and not SHARED_DATA.is_dir():
        pytest.skip(f"{_rel(page)} reads ../shared/data, not found (set LRTK_SHARED_DATA)")
    root = _scratch_checkout(tmp_path)
    for out in reused:
        shutil.copytree(out, root / "out", symlinks=True, dirs_exist_ok=True)
    before = _snapshot(root)
    marker = tmp_path / "block"
    env = {**os.environ, **SMALL, "PATH": _path_with_lrtk(tmp_path / "bin"),
           "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "PYTHONDONTWRITEBYTECODE": "1"}  # bytecode caches are Python's, not the docs' writes
    res = subprocess.run(["bash", "-c", _script(blocks, marker)], cwd=root, env=env,
                         capture_output=True, text=True, timeout=PAGE_TIMEOUT_S)
    where = marker.read_text().strip() if marker.exists() else "?"
    assert res.returncode == 0, (
        f"{_rel(page)}: the sh block at {where} failed (exit {res.returncode})\n"
        f"--- stderr (tail) ---\n{res.stderr[-3000:]}\n--- stdout (tail) ---\n{res.stdout[-1500:]}")
    after = _snapshot(root)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    assert not changed, f"{_rel(page)}: blocks wrote outside out/: {changed[:20]}"
    _FINISHED[page] = root / "out"
