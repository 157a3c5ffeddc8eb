"""The package layering of docs/architecture.md: imports point down (or sideways within a
layer, without a cycle), the library knows nothing of the CLI. Imports inside functions count
as much as those at the top of a module: a lazy import does not hide a crossing."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

LRTK = Path(__file__).resolve().parents[1] / "lrtk"

# Bottom up, as in docs/architecture.md ("Layers").
LAYERS = [
    ("base", {"errors", "io", "parallel", "memory", "charts", "registry", "native", "__init__"}),
    ("text and words", {"text", "lexicon", "embed"}),
    ("data stages", {"align", "filter", "corpus", "sampling", "tokenize"}),
    ("models", {"train", "tune", "taco", "generate", "trim", "summarize", "evaluate"}),
    ("native", {"kernels", "export", "runtime"}),
    ("reporting", {"report", "pipeline_summary", "pair_quality"}),
    ("front end", {"cli"}),
]
LAYER = {pkg: i for i, (_, pkgs) in enumerate(LAYERS) for pkg in pkgs}


def package_of(module: str) -> str | None:
    """The lrtk package (or top-level module) a dotted name belongs to, None outside lrtk."""
    parts = module.split(".")
    if parts[0] != "lrtk":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            if node.module == "lrtk":  # from lrtk import errors (a module, not __version__)
                found |= {f"lrtk.{alias.name}" for alias in node.names
                          if (LRTK / alias.name).is_dir()
                          or (LRTK / f"{alias.name}.py").exists()}
    return found


def edges() -> dict[tuple[str, str], list[str]]:
    """(importing package, imported package) -> the files that import so."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(LRTK.rglob("*.py")):
        rel = path.relative_to(LRTK)
        source = rel.parts[0].removesuffix(".py")
        for module in imports(path):
            target = package_of(module)
            if target is not None and target != source and (target, module) != ("__init__", "lrtk"):
                out[source, target].append(str(rel))
    return out


def test_every_package_has_a_layer():
    packages = {p.name.removesuffix(".py") for p in LRTK.iterdir()
                if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"}
    assert packages - set(LAYER) == set(), "add the package to LAYERS and docs/architecture.md"


def test_imports_point_down():
    upward = [f"{a} ({LAYERS[LAYER[a]][0]}) imports {b} ({LAYERS[LAYER[b]][0]}): "
              f"{', '.join(files)}" for (a, b), files in edges().items()
              if LAYER[b] > LAYER[a]]
    assert upward == []


def test_no_package_cycle():
    graph = defaultdict(set)
    for a, b in edges():
        graph[a].add(b)

    def reaches(start: str, goal: str, seen: set) -> bool:
        for nxt in graph[start]:
            if nxt == goal or (nxt not in seen and not seen.add(nxt) and reaches(nxt, goal, seen)):
                return True
        return False

    cycles = sorted(f"{a} -> {b} -> ... -> {a}" for a in list(graph) for b in graph[a]
                    if reaches(b, a, set()))
    assert cycles == []


def test_library_is_free_of_the_cli():
    for path in sorted(LRTK.rglob("*.py")):
        rel = path.relative_to(LRTK)
        if rel.parts[0] == "cli":
            continue
        assert not any(n.split(".")[0] in ("typer", "click") or n.startswith("lrtk.cli")
                       for n in imports(path)), f"{rel} imports the CLI"


# A `--long-flag` in a string of the library: the CLI's spelling of a parameter, which library
# messages name with lrtk.errors.param instead (the CLI writes it back as the flag).
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
# Strings that quote another program's command line, not a parameter of the library.
OTHER_PROGRAMS = {
    ("align/band.py", "rebuild it: `pip install -e .`, or cmake --build for LRTK_NATIVE_LIB"),
    # Keys older checkpoints saved (data read back, not text shown to anyone).
    ("train/checkpoint.py", "--model-config tie_embeddings"),
    ("train/checkpoint.py", "the mixture (--corpus or --plan)"),
}
# Modules that are a program of their own (argparse), run by the pipelines' Makefile and
# scripts as `python -m lrtk.MODULE`: their flags are that program's command line.
OWN_COMMAND_LINE = {"pipeline_summary.py", "pair_quality.py"}


def docstrings(tree: ast.AST) -> set[int]:
    """The ids of the docstring nodes of a module, its classes and functions."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def library_flag_strings() -> list[str]:
    found = []
    for path in sorted(LRTK.rglob("*.py")):
        rel = str(path.relative_to(LRTK))
        if rel.startswith("cli/") or rel in OWN_COMMAND_LINE:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        skip = docstrings(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in skip and FLAG.search(node.value)
                    and (rel, node.value) not in OTHER_PROGRAMS):
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
            if isinstance(node, ast.JoinedStr):  # f"--{name}": a flag spelled at run time
                found += [f"{rel}:{node.lineno}: {a.value!r} + {{...}}"
                          for a, b in zip(node.values, node.values[1:])
                          if isinstance(a, ast.Constant) and isinstance(b, ast.FormattedValue)
                          and re.search(r"(?<![\w-])--$", a.value)]
    return found


def test_library_strings_name_parameters_not_flags():
    assert library_flag_strings() == []


def command_modules() -> set[str]:
    """The lrtk.cli modules that register a command (the others are shared helpers)."""
    return {p.stem for p in (LRTK / "cli").glob("*.py")
            if "def register(" in p.read_text("utf-8")}


def test_cli_command_modules_do_not_import_each_other():
    """A command module parses and prints; what two commands share is library code (or a
    shared CLI helper such as options.py), never another command's module."""
    commands = command_modules()
    assert {"eval", "generate", "ppl", "train"} <= commands
    crossing = [f"cli/{name}.py imports {module}" for name in sorted(commands)
                for module in imports(LRTK / "cli" / f"{name}.py")
                if module.startswith("lrtk.cli.") and module.split(".")[2] in commands - {name}]
    # `from lrtk.cli import generate` names the module in the alias, not in node.module
    crossing += [f"cli/{name}.py imports lrtk.cli.{alias.name}" for name in sorted(commands)
                 for node in ast.walk(ast.parse((LRTK / "cli" / f"{name}.py").read_text("utf-8")))
                 if isinstance(node, ast.ImportFrom) and node.module == "lrtk.cli"
                 for alias in node.names if alias.name in commands]
    assert crossing == []


def stage_packages() -> list[str]:
    return sorted(p.name for p in LRTK.iterdir()
                  if p.is_dir() and (p / "__init__.py").exists() and p.name != "cli")


def test_every_stage_package_has_a_documented_public_api():
    for name in stage_packages():
        package = importlib.import_module(f"lrtk.{name}")
        assert package.__doc__, f"lrtk/{name}/__init__.py: say what the package does"
        assert isinstance(getattr(package, "__all__", None), list), f"lrtk.{name}: no __all__"
        missing = [n for n in package.__all__ if not hasattr(package, n)
                   and importlib.util.find_spec(f"lrtk.{name}.{n}") is None]
        assert missing == [], f"lrtk.{name}.__all__ names what it lacks"


def test_light_packages_stay_light():
    """The CLI imports lrtk.runtime (option help) at every start; lrtk.train promises no torch."""
    code = ("import sys, lrtk.runtime, lrtk.train, lrtk.charts; "
            "print(sorted(m for m in ('numpy', 'torch') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=LRTK.parent, env={**os.environ, "PYTHONPATH": str(LRTK.parent)})
    assert out.stdout.strip() == "[]"
