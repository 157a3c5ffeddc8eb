"""lrtk: a command-line toolkit for building language models for low-resource languages."""

import importlib

__version__ = "0.1.0"


def lazy_exports(package: str, exports: dict[str, str]):
    """A module `__getattr__` for `package` that imports each name of `exports` (name ->
    module) on first use: `from lrtk.runtime import NativeModel` works while `import
    lrtk.runtime` stays free of numpy, torch and the native library."""

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(exports[name]), name)

    return __getattr__
