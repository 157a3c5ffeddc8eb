"""Open registries: the filters, aligners and metrics a run can name, lrtk's own and a user's.

A name is one of three things:

- a built-in name (`length`, `bleu`, ...), registered by the package that defines it;
- `module:Class`, imported from anywhere on the Python path (a user's own file, no change to
  lrtk needed);
- the name of a Python entry point in the registry's group (`lrtk.filters`, `lrtk.aligners`,
  `lrtk.metrics`), which an installed package declares in its pyproject.toml:

      [project.entry-points."lrtk.filters"]
      no_digits = "my_filters:NoDigitsFilter"

Anything that cannot be loaded is one usage error naming it, never a traceback.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import Any, Callable

from lrtk.errors import UsageError


class Registry:
    """Named objects of one kind (`kind` in messages), extendable through `group`."""

    def __init__(self, kind: str, group: str, check: Callable[[Any], bool] | None = None,
                 expected: str = ""):
        self.kind, self.group = kind, group
        self._check, self._expected = check, expected
        self._builtin: dict[str, Any] = {}

    def add(self, name: str, obj: Any) -> None:
        self._builtin[name] = obj

    def builtin(self) -> list[str]:
        """lrtk's own names, in the order they were registered."""
        return list(self._builtin)

    def plugins(self) -> list[str]:
        """Names installed packages declare as entry points of the group."""
        return sorted({ep.name for ep in metadata.entry_points(group=self.group)})

    def names(self) -> list[str]:
        return self.builtin() + [n for n in self.plugins() if n not in self._builtin]

    def __contains__(self, name: str) -> bool:
        return ":" in name or name in self._builtin or name in self.plugins()

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def get(self, name: str, where: str = "") -> Any:
        """The object `name` stands for; a UsageError (prefixed by `where`) if there is none."""
        prefix = f"{where}: " if where else ""
        if ":" in name:
            obj = _import(name, self.kind, prefix)
        elif name in self._builtin:
            return self._builtin[name]
        else:
            point = next(iter(metadata.entry_points(group=self.group, name=name)), None)
            if point is None:
                raise UsageError(f"{prefix}unknown {self.kind} {name!r}",
                                 hint=f"known: {', '.join(self.names())}; or module:Class, "
                                      f"or an entry point of group {self.group}")
            obj = _import(point.value, self.kind, prefix, f"entry point {name!r} ")
        if self._check is not None and not self._check(obj):
            raise UsageError(f"{prefix}{name!r} is not {self._expected}",
                             hint=f"see docs/architecture.md for what a {self.kind} is")
        return obj


def _import(spec: str, kind: str, prefix: str, via: str = "") -> Any:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise UsageError(f"{prefix}{via}cannot import {kind} module {module_name!r} ({e})",
                         hint="put its folder on PYTHONPATH, or install its package") from None
    except Exception as e:  # noqa: BLE001 - a user's module failing as it loads: say where
        raise UsageError(f"{prefix}{via}{kind} module {module_name!r} fails as it is imported "
                         f"({type(e).__name__}: {e})", hint="fix that module") from None
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part, None) if part else None
        if obj is None:
            raise UsageError(f"{prefix}{via}module {module_name!r} has no {attr!r}",
                             hint=f"give the {kind} as module:Class")
    return obj

