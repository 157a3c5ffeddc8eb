"""The `lrtk` entry point: builds the typer app and turns user errors into one line."""

from __future__ import annotations

import errno
import importlib
import pkgutil
import sys

import typer
from typer.core import TyperGroup

from lrtk import __version__
from lrtk.cli._flags import running_flag, watch
from lrtk.errors import LrtkError, spell_params_with
from lrtk.io.signals import Interrupted, stop_signals_raise

# Stage order for `lrtk --help`: a command module is named after its command (or names it in
# COMMAND, for a name that is no Python identifier) and says ORDER.
_STAGE_ORDER: dict[str, int] = {}


class _StageOrderGroup(TyperGroup):
    """Lists commands in pipeline order (typer would list plain commands before groups)."""

    def list_commands(self, ctx):
        return sorted(super().list_commands(ctx), key=lambda n: (_STAGE_ORDER.get(n, 1000), n))

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            watch(command)  # so a user error names the flags of the command it came from
        return name, command, rest


app = typer.Typer(
    name="lrtk",
    cls=_StageOrderGroup,
    help="Build language models for low-resource languages, one composable stage at a time.\n\n"
         "Stages read JSONL records from a file or stdin ('-') and write to a file or stdout, "
         "so they chain in shell pipelines: lrtk segment ... | lrtk align ... | lrtk filter ...\n\n"
         "Outputs appear only when a stage succeeds; after an error, Ctrl-C or SIGTERM the "
         "previous outputs are left as they were.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lrtk {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Build language models for low-resource languages."""


def _register_commands() -> None:
    """Import every lrtk.cli.<module> that defines register(app), in ORDER of the stages."""
    import lrtk.cli as pkg

    modules = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_") or info.name == "main":
            continue
        mod = importlib.import_module(f"lrtk.cli.{info.name}")
        if hasattr(mod, "register"):
            modules.append(mod)
            _STAGE_ORDER[getattr(mod, "COMMAND", info.name)] = getattr(mod, "ORDER", 100)
    for mod in sorted(modules, key=lambda m: (getattr(m, "ORDER", 100), m.__name__)):
        mod.register(app)


_register_commands()


# What to do about an OSError on a named file; the exit code is 2 where the command line has
# to change (a wrong or forbidden path) and 1 where the system failed (disk full, I/O error).
_OS_HINTS = {
    errno.ENOENT: ("check the path", 2),
    errno.EACCES: ("check the permissions, or use another path", 2),
    errno.EPERM: ("check the permissions, or use another path", 2),
    errno.EROFS: ("write somewhere else", 2),
    errno.EISDIR: ("give a file, not a directory", 2),
    errno.ENOTDIR: ("a part of the path is a file, not a directory", 2),
    errno.ENOSPC: ("free some disk space", 1),
}


def _os_error_line(err: OSError) -> tuple[str, int]:
    hint, code = _OS_HINTS.get(err.errno, (None, 1))
    tail = f" ({hint})" if hint else ""
    return f"lrtk: error: {err.filename}: {(err.strerror or str(err)).lower()}{tail}", code


def main() -> None:
    spell_params_with(running_flag)
    try:
        with stop_signals_raise():
            app(prog_name="lrtk")
    except LrtkError as err:
        print(f"lrtk: error: {err.spelled()}", file=sys.stderr)
        sys.exit(err.exit_code)
    except BrokenPipeError:
        # Downstream closed the pipe (e.g. `| head`): stop quietly, as Unix tools do.
        sys.stderr.close()
        sys.exit(0)
    except OSError as err:
        if err.filename is None:
            raise  # not about a file the user named: a fault to be reported with its traceback
        line, code = _os_error_line(err)
        print(line, file=sys.stderr)
        sys.exit(code)
    except Interrupted as stop:
        # Every staged output was removed while the stack unwound.
        print(f"lrtk: error: interrupted by {stop} (nothing half-written is left behind)",
              file=sys.stderr)
        sys.exit(128 + stop.signum)


if __name__ == "__main__":
    main()
