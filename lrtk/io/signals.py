"""SIGINT and SIGTERM stop a command the same way.

Python's default SIGTERM kills the process on the spot, leaving every temporary output
behind. Here both signals raise `Interrupted`, which unwinds the stack like any error: each
`with` block that staged an output removes it, then `lrtk.cli.main` prints one line and exits
with 128 + the signal number (130, 143), as a shell reports a killed command.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from typing import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """A stop signal arrived. A BaseException, like KeyboardInterrupt, so that no
    `except Exception` swallows it; not a KeyboardInterrupt, which typer would turn into a
    silent exit before lrtk can report it."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def _can_handle() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise Interrupted (the handlers before are
    restored afterwards: the tests run commands in-process)."""
    if not _can_handle():
        yield
        return
    owner = os.getpid()

    def interrupt(signum, frame):
        if os.getpid() != owner:
            # A forked worker (a multiprocessing pool) shares the process group and gets the
            # signal too; it writes no outputs, so it just ends and the parent cleans up.
            os._exit(128 + signum)
        raise Interrupted(signum)

    previous = {s: signal.signal(s, interrupt) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """A stop signal arriving within the block takes effect when it ends, so that a commit of
    several renames happens entirely or not at all."""
    if not _can_handle():
        yield
        return
    caught: list[int] = []
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum))
                for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if caught:
            signal.raise_signal(caught[0])
