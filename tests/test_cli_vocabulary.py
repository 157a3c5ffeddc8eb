"""The option vocabulary (docs/conventions.md, "Option vocabulary"): every command's options,
walked through the click app lrtk builds, follow one set of names, types and defaults; retired
spellings are hidden aliases that still work and say so once."""

from __future__ import annotations

import json
import types
import typing
from collections import defaultdict

import pytest
import typer
import typer.main

from lrtk.cli import options as opt
from lrtk.cli.main import app

# Spellings that must never be a primary option name again (they mean a shared concept that
# has its own name now).
RETIRED = {
    "--field": "--text-field",
    "--init-model": "--model",
    "--seq-len": "--ctx",
    "--max-seq-len": "--ctx",
    "--max-length": "--ctx",
    "--hf": "the MODEL argument",
    "--schedule": "--mix or --lr-schedule",
    "--sample": "--temperature (0 = greedy)",
}
# `--lang` names the one language of a monolingual stage; any other command says which side
# of a pair it means (--src-lang / --tgt-lang). A new command that takes --lang must be
# added here deliberately.
MONOLINGUAL = {"segment", "summarize"}

# Options whose meaning and type are fixed by the vocabulary: (type name, default), checked
# wherever they appear. None: any default.
FIXED = {
    "--seed": (int, 0),
    "--src-lang": (str, None),
    "--tgt-lang": (str, None),
    "--lang": (str, None),
    "--report": (str, None),
    "--output": (str, None),
    "--text-field": (str, "text"),
    "--ctx": (int, None),
    "--max-new-tokens": (int, 128),
    "--json": (bool, False),
    "--overwrite": (bool, False),
    "--skip-bad": (bool, False),
    "--model": (str, None),
    "--tokenizer": (str, None),
}
# Options defined once in lrtk.cli.options, whose help a command must not restate.
SHARED_HELP = {"--overwrite": opt.overwrite(), "--skip-bad": opt.skip_bad(),
               "--text-field": opt.text_field(), "--workers": opt.WORKERS,
               "--num-shards": opt.NUM_SHARDS, "--work-dir": opt.WORK_DIR}
# The one deliberate exception to "one name, one type": bench model runs once per count.
TYPE_EXCEPTIONS = {("bench model", "--threads")}


# typer carries its own copy of click: parameters and commands are told apart by what they
# are (param_type_name, commands), not by click's classes.

def walk(command, path: tuple[str, ...] = ()):
    """(path, leaf command) for every command of the app, hidden ones included."""
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))
    else:
        yield " ".join(path), command


def kind(param):
    """The Python type an option's values have: Optional[X] and List[X] give X (a list is
    told by `multiple`)."""
    annotation = param.type_descriptor.annotation
    while typing.get_origin(annotation) in (typing.Union, list, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    return annotation


def long_name(param) -> str | None:
    names = [n for n in param.opts + param.secondary_opts if n.startswith("--")]
    return names[0] if names else None


def violations(root) -> list[str]:
    found: list[str] = []
    seen: dict[str, set] = defaultdict(set)      # long name -> {(type, flag, multiple)}
    shorts: dict[str, set] = defaultdict(set)    # short name -> {long names}
    for path, command in walk(root):
        for param in command.params:
            where = f"{path} {param.name}"
            if param.param_type_name == "argument":
                if not getattr(param, "help", None):
                    found.append(f"{where}: argument without help")
                continue
            if param.param_type_name != "option" or param.name == "help":
                continue
            name = long_name(param)
            if name is None:
                found.append(f"{where}: {param.opts} has no long name")
                continue
            where = f"{path} {name}"
            if not (param.help or "").strip():
                found.append(f"{where}: no help text")
            if name in RETIRED:
                found.append(f"{where}: retired spelling, use {RETIRED[name]}")
            if name == "--lang" and path not in MONOLINGUAL:
                found.append(f"{where}: say --src-lang or --tgt-lang (--lang is only for "
                             f"the monolingual stages {sorted(MONOLINGUAL)})")
            if name in FIXED:
                fixed, default = FIXED[name]
                if kind(param) is not fixed:
                    found.append(f"{where}: type {kind(param).__name__}, the vocabulary says "
                                 f"{fixed.__name__}")
                if default is not None and param.default != default:
                    found.append(f"{where}: default {param.default!r}, the vocabulary says "
                                 f"{default!r}")
            if name in SHARED_HELP and param.help != SHARED_HELP[name].help:
                found.append(f"{where}: help restated; use lrtk.cli.options")
            if name == "--output" and "-o" not in param.opts:
                found.append(f"{where}: --output goes with -o")
            if (path, name) not in TYPE_EXCEPTIONS:
                seen[name].add((kind(param).__name__, param.is_flag, param.multiple))
            for short in (n for n in param.opts if not n.startswith("--")):
                shorts[short].add(name)
        for old, new in getattr(command, "aliases", {}).items():
            names = {n for p in command.params for n in getattr(p, "opts", [])}
            if old in names:
                found.append(f"{path} {old}: a retired alias is still a visible option")
            # An alias may stand for an option with its value (--sample: --temperature=1).
            if new is not None and new.partition("=")[0] not in names:
                found.append(f"{path} {old}: alias of {new}, which the command lacks")
    found += [f"{name}: one name, several types {sorted(kinds)}"
              for name, kinds in seen.items() if len(kinds) > 1]
    found += [f"{short}: short for several options {sorted(names)}"
              for short, names in shorts.items() if len(names) > 1]
    return found


def lrtk_command():
    return typer.main.get_command(app)


def test_every_command_follows_the_vocabulary():
    assert violations(lrtk_command()) == []


def _toy_app(option, kind):
    """A group with a command `toy` taking `option` of type `kind`, as a new command would."""
    toy = typer.Typer(add_completion=False)

    def _toy(value=option):
        pass

    _toy.__annotations__ = {"value": kind}  # a type, not a string to resolve later
    toy.command("toy")(_toy)

    @toy.command("other")
    def _other():
        pass

    return typer.main.get_command(toy)


@pytest.mark.parametrize("option, kind, complaint", [
    (typer.Option(..., "--lang", help="Target language."), str, "say --src-lang or --tgt-lang"),
    (typer.Option("text", "--field", help="Text field."), str, "retired spelling"),
    (typer.Option(1, "--seed", help="Seed."), int, "default 1"),
    (typer.Option(0, "--seed"), int, "no help text"),
    (typer.Option(False, "--report", help="JSON."), bool, "type bool"),
    (typer.Option(None, "--json", help="JSON file."), str, "type str"),
    (typer.Option("-", "--output", help="Output."), str, "goes with -o"),
], ids=["lang-as-target", "field", "seed-default", "no-help", "report-switch", "json-path",
        "output-without-o"])
def test_the_walk_catches_a_new_command_breaking_the_vocabulary(option, kind, complaint):
    found = violations(_toy_app(option, kind))
    assert any(complaint in line for line in found), found


def test_retired_spellings_still_work_with_one_warning(run_cli, tmp_path):
    bn = tmp_path / "bn.txt"
    bn.write_text("আমি ভাত খাই।\nতুমি কে?\n", encoding="utf-8")
    plan = tmp_path / "plan.json"
    code, out, err = run_cli("sample", "plan", "--corpus", f"bn={bn}", "--schedule=unimax",
                             "--json", plan, "--field", "text")
    assert code == 0, err
    assert json.loads(plan.read_text("utf-8"))["schedule"]["kind"] == "unimax"
    warnings = [line for line in err.splitlines() if "deprecated" in line]
    assert warnings == ["lrtk: warning: --schedule is deprecated, use --mix",
                        "lrtk: warning: --json is deprecated, use --report",
                        "lrtk: warning: --field is deprecated, use --text-field"]
    # Hidden: --help shows only the new names.
    code, out, _ = run_cli("sample", "plan", "--help")
    assert code == 0 and "--mix" in out and "--schedule" not in out and "--json" not in out


def test_only_option_names_are_renamed():
    """A value that looks like a retired name, and anything after `--`, stay as given; the
    warning is printed once per name."""
    aliases = {"--lang": "--tgt-lang", "-l": "--tgt-lang", "--hf": None}
    args = ["--prompt", "--lang", "-l", "ne", "--lang=bn", "--hf", "dir", "--", "--lang"]
    assert opt.rename_retired(args, aliases, {"--prompt", "--tgt-lang"}) == [
        "--prompt", "--lang", "--tgt-lang", "ne", "--tgt-lang=bn", "dir", "--", "--lang"]


def test_every_command_help_has_an_example():
    """Each command's --help shows how it is run (issue 17: 'every command's --help keeps a
    runnable example'); the docs tests run the pages' copies of these commands."""
    missing = [path for path, command in walk(lrtk_command())
               if not command.hidden and "Example" not in (command.help or "")]
    assert missing == []
