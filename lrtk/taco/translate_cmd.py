"""Translation by an external command: lines in on stdin, the same number of lines out.

Any MT system becomes usable this way (a Marian binary, a script around a local model).
Multi-line texts are sent line by line and put back together, because the protocol is
one segment per line.
"""

from __future__ import annotations

import subprocess
from typing import Sequence

from lrtk.errors import DataError, UsageError, param


class CommandTranslator:
    """Runs `command` (a shell command; {src} and {tgt} are replaced by language codes)."""

    def __init__(self, command: str, src: str, tgt: str):
        try:
            self.command = command.format(src=src, tgt=tgt)
        except (KeyError, IndexError, ValueError) as e:
            raise UsageError(f"bad {param('translate_cmd')} template: {e}",
                             hint="only {src} and {tgt} may appear in braces") from None

    def translate(self, texts: Sequence[str]) -> list[str]:
        line_lists = [text.split("\n") for text in texts]
        lines = [line for lines in line_lists for line in lines if line.strip()]
        translated = iter(self._run(lines))
        # Blank lines stay blank and are not sent: many MT tools drop or merge them.
        return ["\n".join(next(translated) if line.strip() else line for line in lines)
                for lines in line_lists]

    def _run(self, lines: list[str]) -> list[str]:
        if not lines:
            return []
        payload = "".join(line.replace("\r", " ") + "\n" for line in lines).encode("utf-8")
        proc = subprocess.run(self.command, shell=True, input=payload, capture_output=True)
        if proc.returncode != 0:
            detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise DataError(f"translate command failed with exit code {proc.returncode}"
                            + (f": {detail[-1]}" if detail else ""),
                            hint=f"command: {self.command}")
        try:
            out = proc.stdout.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            raise DataError("translate command wrote invalid UTF-8",
                            hint=f"command: {self.command}") from None
        if out and out[-1] == "":
            out.pop()
        if len(out) != len(lines):
            raise DataError(f"translate command returned {len(out)} lines for "
                            f"{len(lines)} input lines",
                            hint=f"it must print one line per input line: {self.command}")
        return out
