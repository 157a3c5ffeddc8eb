"""ctypes binding of the runtime half of the native library (native/include/lrtk_model.h)."""

from __future__ import annotations

import ctypes as C
import enum
import functools
import os

import numpy as np

from lrtk.errors import DataError, UsageError
from lrtk.io.model_file import CONFIG_SIZE, Entry, read_config, read_entries, unpack_config
from lrtk.native import load

_F32P = C.POINTER(C.c_float)
OPEN_MMAP = 1  # LRTK_OPEN_MMAP


class ModelStatus(enum.IntEnum):
    """lrtk_model_status: what lrtk_model_forward returns (tests/test_native_abi.py checks these
    values against lrtk_model.h)."""

    OK = 0
    E_CONTEXT = -1
    E_KERNEL = -2
    E_TOKEN = -3
    E_FILE = -4
    E_NOMEM = -5


@functools.lru_cache(maxsize=None)
def lib() -> C.CDLL:
    """The native library (lrtk.native finds it) with the runtime's prototypes declared."""
    so = load()
    so.lrtk_model_open.restype = C.c_void_p
    so.lrtk_model_open.argtypes = [C.c_char_p, C.c_int, C.c_int, C.c_int, C.c_char_p, C.c_size_t]
    so.lrtk_model_close.argtypes = [C.c_void_p]
    so.lrtk_model_config.restype = C.c_void_p
    so.lrtk_model_config.argtypes = [C.c_void_p]
    so.lrtk_model_blob.restype = C.c_void_p
    so.lrtk_model_blob.argtypes = [C.c_void_p, C.c_char_p, C.POINTER(C.c_size_t)]
    so.lrtk_model_forward.argtypes = [C.c_void_p, C.POINTER(C.c_int32), C.c_int, C.c_int,
                                      _F32P, C.c_int]
    so.lrtk_model_strerror.restype = C.c_char_p
    so.lrtk_model_strerror.argtypes = [C.c_int]
    so.lrtk_sampler_create.restype = C.c_void_p
    so.lrtk_sampler_create.argtypes = [C.c_int, C.c_float, C.c_int, C.c_float, C.c_uint64]
    so.lrtk_sampler_invalid.restype = C.c_char_p
    so.lrtk_sampler_invalid.argtypes = [C.c_float, C.c_int, C.c_float]
    so.lrtk_sampler_free.argtypes = [C.c_void_p]
    so.lrtk_sampler_sample.argtypes = [C.c_void_p, _F32P]
    return so


class NativeModel:
    """A model file opened by the native runtime: forward passes over a KV cache.

    This is the one way lrtk opens a model file (run, ppl, bench, read_header): the native
    loader checks the header, the tensor table and every tensor's type, shape and size before
    anything reads them, so a malformed file is one DataError naming it and what is wrong.
    `entries` is the tensor table, `config` the header's dimensions.
    """

    def __init__(self, path: str, threads: int = 1, ctx_len: int = 0, mmap: bool = False):
        so = lib()
        if not os.path.isfile(path):
            raise UsageError("model file not found", path=path)
        err = C.create_string_buffer(512)
        self._h = so.lrtk_model_open(os.fsencode(path), threads, ctx_len,
                                     OPEN_MMAP if mmap else 0, err, len(err))
        if not self._h:
            raise DataError(err.value.decode(errors="replace"), path=path)
        self.config = unpack_config(C.string_at(so.lrtk_model_config(self._h), CONFIG_SIZE))
        self.path = path
        self.threads = threads
        self.entries = read_entries(path)

    def forward(self, tokens, pos: int, all_logits: bool = False) -> np.ndarray:
        """Logits of the last token (vocab,), or of every token (n, vocab) with all_logits."""
        ids = np.ascontiguousarray(tokens, np.int32)
        n, vocab = len(ids), self.config["vocab_size"]
        out = np.empty((n if all_logits else 1, vocab), np.float32)
        so = lib()
        rc = so.lrtk_model_forward(self._h, ids.ctypes.data_as(C.POINTER(C.c_int32)), n, pos,
                                   out.ctypes.data_as(_F32P), int(all_logits))
        if rc == ModelStatus.E_CONTEXT:
            raise UsageError(f"context full: {pos + n} tokens exceed {self.config['max_seq_len']}",
                             path=self.path)
        if rc == ModelStatus.E_TOKEN:  # the ids come from the embedded tokenizer or from `vocab`
            raise DataError(f"a token id is outside the model's vocabulary of {vocab}",
                            path=self.path, hint="its tokenizer does not match the weights")
        if rc != ModelStatus.OK:
            reason = so.lrtk_model_strerror(rc).decode()
            raise DataError(f"the native forward pass failed: {reason}", path=self.path)
        return out if all_logits else out[0]

    def blob(self, name: str) -> bytes | None:
        size = C.c_size_t()
        p = lib().lrtk_model_blob(self._h, name.encode(), C.byref(size))
        return C.string_at(p, size.value) if p else None

    def close(self) -> None:
        if getattr(self, "_h", None):
            lib().lrtk_model_close(self._h)
            self._h = None

    __del__ = close

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def check_sampling(temperature: float, top_k: int, top_p: float) -> None:
    """UsageError for sampling settings the native sampler would refuse."""
    bad = lib().lrtk_sampler_invalid(temperature, top_k, top_p)
    if bad:
        raise UsageError(f"{bad.decode()}; got temperature {temperature}, top-k {top_k}, "
                         f"top-p {top_p}")


class Sampler:
    """Greedy (temperature 0) or temperature / top-k / top-p sampling with a seed."""

    def __init__(self, vocab_size: int, temperature: float = 0.0, top_k: int = 0,
                 top_p: float = 1.0, seed: int = 0):
        check_sampling(temperature, top_k, top_p)
        self._h = lib().lrtk_sampler_create(vocab_size, temperature, top_k, top_p, seed)
        if not self._h:
            raise MemoryError("the sampler's candidate buffer")

    def __call__(self, logits: np.ndarray) -> int:
        logits = np.ascontiguousarray(logits, np.float32)
        return lib().lrtk_sampler_sample(self._h, logits.ctypes.data_as(_F32P))

    def close(self) -> None:
        if getattr(self, "_h", None):
            lib().lrtk_sampler_free(self._h)
            self._h = None

    __del__ = close


def read_header(path: str) -> tuple[dict, list[Entry]]:
    """The config and tensor table of a model file, checked by the native loader: a malformed
    file is a DataError naming it and what is wrong, as in run, ppl and bench."""
    with NativeModel(path, ctx_len=1, mmap=True) as model:  # mapped: the weights are not read
        return read_config(path), model.entries
