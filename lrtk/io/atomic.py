"""Atomic outputs: written under a temporary name beside the target, renamed when complete.

A failed or interrupted stage therefore never leaves a partial file or folder and never
replaces a good output with a bad one. Files and folders alike are staged by an
OutputGroup; within `output_group()` (a command with several outputs) every atomic output
joins the command's group and all of them are renamed into place in one step when the
command succeeds, with stop signals held back meanwhile: a command's outputs appear together
or not at all. '-' means stdout, which cannot be atomic.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
import sys
import tempfile
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Iterable, Iterator, Optional

from lrtk.io.output_checks import MARKER, check_output_dir, check_output_file, marker_text
from lrtk.io.signals import signals_deferred

STDIO = "-"
_TMP = ".tmp"


class OutputGroup:
    """Outputs staged under temporary names, renamed into place together by commit()."""

    def __init__(self) -> None:
        # final absolute path -> (temporary path, command for a folder / None for a file)
        self._staged: dict[str, tuple[str, Optional[str]]] = {}

    def claim_file(self, path: Optional[str | os.PathLike], *, make_parents: bool = False) -> None:
        """Check a file output and stage it now, before the work ('-' and None pass)."""
        if path is None or str(path) == STDIO:
            return
        check_output_file(path, make_parents=make_parents)
        if make_parents:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.stage_file(path)

    def claim_dir(self, path: str | os.PathLike, command: str, *, overwrite: bool = False,
                  inputs: Iterable[Optional[str | os.PathLike]] = ()) -> None:
        """Check a folder output (see check_output_dir) and stage it now, before the work."""
        check_output_dir(path, command, overwrite=overwrite, inputs=inputs)
        self.stage_dir(path, command, overwrite=True)  # checked just now, inputs included

    def stage_file(self, path: str | os.PathLike) -> str:
        final = os.path.abspath(path)
        if final not in self._staged:
            check_output_file(final)
            # A stop signal between creating the staging file and recording it would leave
            # the file behind: the two happen as one.
            with signals_deferred():
                fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(final)}.", suffix=_TMP,
                                           dir=os.path.dirname(final))
                os.close(fd)
                self._staged[final] = (tmp, None)
        return self._staged[final][0]

    def stage_dir(self, path: str | os.PathLike, command: str, *, overwrite: bool = False) -> Path:
        final = os.path.abspath(path)
        if final not in self._staged:
            check_output_dir(final, command, overwrite=overwrite)
            with signals_deferred():  # created and recorded as one (see stage_file)
                tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(final)}.", suffix=_TMP,
                                       dir=os.path.dirname(final))
                self._staged[final] = (tmp, command)
            # Marked from the start, so that what lists the folder's files (a corpus card's
            # hashes) sees the marker too.
            with open(os.path.join(tmp, MARKER), "w", encoding="utf-8") as fh:
                fh.write(marker_text(command))
        return Path(self._staged[final][0])

    def holds(self, path: str | os.PathLike) -> bool:
        """True if `path` lies inside a staged folder: that folder is already the unit that
        appears atomically, so what is written inside it needs no group of its own."""
        p = os.path.abspath(path)
        return any(command is not None and p.startswith(tmp + os.sep)
                   for tmp, command in self._staged.values())

    def drop(self, path: str | os.PathLike) -> None:
        staged = self._staged.pop(os.path.abspath(path), None)
        if staged is not None:
            _remove(staged[0])

    def discard(self) -> None:
        for final in list(self._staged):
            self.drop(final)

    def commit(self) -> None:
        file_mode, dir_mode = _default_modes()
        with signals_deferred():
            replaced = []
            for final, (tmp, command) in self._staged.items():
                if command is None:
                    os.chmod(tmp, file_mode)  # mkstemp makes files private
                else:
                    _set_modes(tmp, file_mode, dir_mode)
                    if os.path.lexists(final):
                        # A folder cannot be replaced by rename: move the old one aside first.
                        old = tmp[:-len(_TMP)] + ".old"
                        os.replace(final, old)
                        replaced.append(old)
                os.replace(tmp, final)
            self._staged.clear()
            for old in replaced:
                _remove(old)


_ACTIVE: ContextVar[Optional[OutputGroup]] = ContextVar("lrtk_output_group", default=None)


@contextlib.contextmanager
def _committed(group: OutputGroup) -> Iterator[OutputGroup]:
    try:
        yield group
    except BaseException:
        group.discard()
        raise
    group.commit()


@contextlib.contextmanager
def output_group() -> Iterator[OutputGroup]:
    """The outputs of one command: claim them first (checked and staged before the work);
    every atomic_output / atomic_dir / write_json within joins the group; all are renamed
    into place together when the block succeeds and removed if it fails."""
    group = OutputGroup()
    token = _ACTIVE.set(group)
    try:
        with _committed(group):
            yield group
    finally:
        _ACTIVE.reset(token)


@contextlib.contextmanager
def detached() -> Iterator[None]:
    """Writes inside the block are committed one by one, as they finish, not with the
    command's outputs: a sharded run's work folder (shard outputs, completion markers, the
    fitted model the shards load) must be on disk while the command is still running."""
    token = _ACTIVE.set(None)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


@contextlib.contextmanager
def _group_for(path: str | os.PathLike) -> Iterator[OutputGroup]:
    """The command's group, or a group of this one output committed at the end of the block."""
    active = _ACTIVE.get()
    if active is not None and not active.holds(path):
        yield active
        return
    with _committed(OutputGroup()) as own:
        yield own


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, *, binary: bool = False) -> Iterator[IO]:
    """Context manager yielding a handle; the file appears at `path` only if the block
    succeeds (and, within output_group(), when the group does)."""
    p = str(path)
    if p == STDIO:
        yield sys.stdout.buffer if binary else sys.stdout
        (sys.stdout.buffer if binary else sys.stdout).flush()
        return
    with _group_for(p) as group:
        tmp = group.stage_file(p)
        try:
            with open(tmp, "wb") as raw:
                if p.endswith(".gz"):
                    # mtime=0 keeps gzip output byte-identical across runs.
                    fh: IO = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="")
                else:
                    fh = raw
                if not binary:
                    fh = _TextOnBinary(fh)
                yield fh
                fh.close()
        except BaseException:
            group.drop(p)
            raise


@contextlib.contextmanager
def atomic_dir(final: str | os.PathLike, command: str, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder next to `final`, empty but for the marker naming `command`;
    it replaces `final` only if the block succeeds, so a failed run never leaves a
    half-written model behind. See check_output_dir for what may be replaced."""
    with _group_for(final) as group:
        tmp = group.stage_dir(final, command, overwrite=overwrite)
        try:
            yield tmp
        except BaseException:
            group.drop(final)
            raise


def _default_modes() -> tuple[int, int]:
    """What open() and mkdir() would give under the current umask (files, folders)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask, 0o777 & ~umask


def _set_modes(folder: str, file_mode: int, dir_mode: int) -> None:
    """The usual modes for a staged folder and what is in it: mkdtemp makes it private, and
    some writers (safetensors) create private files."""
    os.chmod(folder, dir_mode)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            if not os.path.islink(os.path.join(root, name)):
                os.chmod(os.path.join(root, name), dir_mode)
        for name in files:
            p = os.path.join(root, name)
            if not os.path.islink(p):
                executable = os.stat(p).st_mode & 0o111
                os.chmod(p, dir_mode if executable else file_mode)


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)


class _TextOnBinary:
    """Minimal UTF-8 text writer over a binary handle ('\\n' newlines on every platform)."""

    def __init__(self, raw: IO[bytes]):
        self._raw = raw

    def write(self, s: str) -> int:
        self._raw.write(s.encode("utf-8"))
        return len(s)

    def flush(self) -> None:
        self._raw.flush()

    def close(self) -> None:
        if isinstance(self._raw, gzip.GzipFile):
            self._raw.close()


def write_json(obj, path: str | os.PathLike) -> None:
    """Write one JSON document (reports, plans) atomically, keys sorted for stable diffs."""
    with atomic_output(path) as fh:
        fh.write(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
