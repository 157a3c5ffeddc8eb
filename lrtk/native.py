"""Loads the native library (lrtk/_native.<ext>, built by `pip install`) with ctypes.

Every binding module calls `load()` and declares the prototypes it uses with `function()`.
LRTK_NATIVE_LIB=/path/to/liblrtk_native.so overrides the installed library (handy while
iterating on the C code with a plain CMake build).
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
from functools import lru_cache

from lrtk.errors import LrtkError

ENV_VAR = "LRTK_NATIVE_LIB"


class NativeLibraryError(LrtkError):
    """The native library is missing or cannot be loaded: the install has to be fixed."""

    exit_code = 1


def library_path() -> str:
    """Where the library is: $LRTK_NATIVE_LIB, else the installed lrtk._native extension."""
    override = os.environ.get(ENV_VAR)
    if override:
        if not os.path.isfile(override):
            raise NativeLibraryError(f"{ENV_VAR} points to a missing file: {override}")
        return override
    spec = importlib.util.find_spec("lrtk._native")
    if spec is None or not spec.origin:
        raise NativeLibraryError(
            "the native library lrtk._native is not built",
            hint="run `pip install -e .` in the repository, or set LRTK_NATIVE_LIB")
    return spec.origin


@lru_cache(maxsize=None)
def _load(path: str) -> ctypes.CDLL:
    try:
        return ctypes.CDLL(path)
    except OSError as err:
        raise NativeLibraryError(f"cannot load the native library {path}: {err}") from None


def load() -> ctypes.CDLL:
    """The loaded library (loaded once per path)."""
    return _load(library_path())


def function(name: str, restype, *argtypes):
    """The C function `name` with its prototype declared, e.g. function("f", c_int, c_void_p)."""
    fn = getattr(load(), name)
    fn.restype = restype
    fn.argtypes = list(argtypes)
    return fn
