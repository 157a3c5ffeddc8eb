"""Parameters named by library messages (lrtk.errors.param), written as the flags a user types.

A library error says `bits`; the user of `lrtk export` reads `--bits`. The flag is looked up in
the command that runs (the innermost context made: an error line is printed after every context
has closed), so `model` reads `--model` in one command and, where a command has no such
option, stays `model`.
"""

from __future__ import annotations

import typer

_running: list = []  # the innermost context made so far


class _Context(typer.Context):
    """A context that records itself as the one running."""

    def __init__(self, command, *args, **kwargs):
        super().__init__(command, *args, **kwargs)
        _running[:] = [self]


def watch(command) -> None:
    """Make `command` and every subcommand under it record themselves when they run."""
    command.context_class = _Context
    for sub in getattr(command, "commands", {}).values():
        watch(sub)


def flag(command, name: str) -> str:
    """How a user of the click `command` names the parameter `name`: its long flag (matched by
    spelling, or by parameter name when the flag is spelled otherwise), an argument's metavar,
    else the name itself."""
    spelt = "--" + name.replace("_", "-")
    params = command.params if command is not None else []
    if any(spelt in p.opts or spelt in p.secondary_opts for p in params):
        return spelt
    for p in params:
        if p.name == name:
            if p.param_type_name == "argument":
                return p.metavar or p.name.upper()
            return next((o for o in p.opts if o.startswith("--")), p.opts[0])
    return name


def running_flag(mark: str) -> str:
    """`flag` in the command that runs (or ran, when an error line is printed); a mark
    "stage:name" names the option of that stage's command (`lrtk sample plan`'s budget)."""
    stage, _, name = mark.rpartition(":")
    if not _running:
        return flag(None, name)
    command = _running[0].command
    if stage:
        command = _running[0].find_root().command
        for word in stage.split():
            command = getattr(command, "commands", {}).get(word)
    return flag(command, name)
