"""The package layering of docs/architecture.md: imports point down (or sideways within a
layer, without a cycle), the library knows nothing of the CLI. Imports inside functions count
as much as those at the top of a module: a lazy import does not hide a crossing."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

LRTK = Path(__file__).resolve().parents[1] / "lrtk"

# Bottom up, as in docs/architecture.md ("Layers").
LAYERS = [
    ("base", {"errors", "io", "parallel", "charts", "registry", "native", "__init__"}),
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
