"""ctypes binding of the runtime half of the native library (native/include/lrtk_model.h)."""

from __future__ import annotations

import ctypes as C
import functools
import importlib.util
import os
import struct

import numpy as np

from lrtk.errors import DataError, UsageError

_CONFIG_FIELDS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "head_dim",
                  "vocab_size", "max_seq_len", "bos_id", "eos_id", "norm_eps", "rope_attn_scale")
_F32P = C.POINTER(C.c_float)
KERNELS = {"auto": 0, "scalar": 1, "avx2": 2, "neon": 3}


@functools.lru_cache(maxsize=None)
def lib() -> C.CDLL:
    """The native library: $LRTK_NATIVE_LIB, else the lrtk._native built with the package."""
    path = os.environ.get("LRTK_NATIVE_LIB")
    if not path:
        spec = importlib.util.find_spec("lrtk._native")
        if spec is None or spec.origin is None:
            raise UsageError("the native library lrtk._native is not built",
                             hint="pip install -e . builds it")
        path = spec.origin
    so = C.CDLL(path)
    so.lrtk_model_open.restype = C.c_void_p
    so.lrtk_model_open.argtypes = [C.c_char_p, C.c_int, C.c_int, C.c_char_p, C.c_size_t]
    so.lrtk_model_close.argtypes = [C.c_void_p]
    so.lrtk_model_config.restype = C.c_void_p
    so.lrtk_model_config.argtypes = [C.c_void_p]
    so.lrtk_model_blob.restype = C.c_void_p
    so.lrtk_model_blob.argtypes = [C.c_void_p, C.c_char_p, C.POINTER(C.c_size_t)]
    so.lrtk_model_forward.argtypes = [C.c_void_p, C.POINTER(C.c_int32), C.c_int, C.c_int,
                                      _F32P, C.c_int]
    so.lrtk_sampler_create.restype = C.c_void_p
    so.lrtk_sampler_create.argtypes = [C.c_int, C.c_float, C.c_int, C.c_float, C.c_uint64]
    so.lrtk_sampler_free.argtypes = [C.c_void_p]
    so.lrtk_sampler_sample.argtypes = [C.c_void_p, _F32P]
    so.lrtk_tmac_pack.argtypes = [C.c_int] * 5 + [C.c_void_p] * 6
    so.lrtk_tmac_packed_bytes.restype = C.c_size_t
    so.lrtk_tmac_packed_bytes.argtypes = [C.c_int] * 4
    so.lrtk_tmac_scale_count.restype = C.c_size_t
    so.lrtk_tmac_scale_count.argtypes = [C.c_int] * 4
    so.lrtk_tmac_strerror.restype = C.c_char_p
    so.lrtk_tmac_set_kernel.argtypes = [C.c_int]
    return so


def set_kernel(name: str) -> None:
    if lib().lrtk_tmac_set_kernel(KERNELS[name]) != 0:
        raise UsageError(f"kernel {name} is not available on this CPU")


def tmac_pack(qtype: int, codes: np.ndarray, scales: np.ndarray, zeros: np.ndarray | None,
              group_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Codes (m x k, one per byte) and row-major group scales/zeros in the kernels' layout."""
    so = lib()
    m, k = codes.shape
    nbytes = so.lrtk_tmac_packed_bytes(qtype, m, k, group_size)
    count = so.lrtk_tmac_scale_count(qtype, m, k, group_size)
    if nbytes == 0:
        raise UsageError(f"the kernels do not support a {m}x{k} matrix with group size {group_size}")
    codes = np.ascontiguousarray(codes, np.uint8)
    scales = np.ascontiguousarray(scales, np.float32)
    packed = np.empty(nbytes, np.uint8)
    scales_out = np.empty(count, np.float32)
    zeros_out = np.empty(count, np.float32) if zeros is not None else None
    if zeros is not None:
        zeros = np.ascontiguousarray(zeros, np.float32)
    ptr = lambda a: None if a is None else a.ctypes.data  # noqa: E731
    rc = so.lrtk_tmac_pack(qtype, m, k, group_size, int(zeros is not None), ptr(codes),
                           ptr(scales), ptr(zeros), ptr(packed), ptr(scales_out), ptr(zeros_out))
    if rc != 0:
        raise UsageError(f"cannot pack a {m}x{k} matrix: {so.lrtk_tmac_strerror(rc).decode()}")
    return packed, scales_out, zeros_out


class NativeModel:
    """A model file opened by the native runtime: forward passes over a KV cache."""

    def __init__(self, path: str, threads: int = 1, ctx_len: int = 0):
        so = lib()
        if not os.path.isfile(path):
            raise UsageError("model file not found", path=path)
        err = C.create_string_buffer(512)
        self._h = so.lrtk_model_open(os.fsencode(path), threads, ctx_len, err, len(err))
        if not self._h:
            raise DataError(err.value.decode(errors="replace"), path=path)
        raw = C.string_at(so.lrtk_model_config(self._h), 48)
        self.config = dict(zip(_CONFIG_FIELDS, struct.unpack("<10i2f", raw)))
        self.path = path
        self.threads = threads

    def forward(self, tokens, pos: int, all_logits: bool = False) -> np.ndarray:
        """Logits of the last token (vocab,), or of every token (n, vocab) with all_logits."""
        ids = np.ascontiguousarray(tokens, np.int32)
        n, vocab = len(ids), self.config["vocab_size"]
        out = np.empty((n if all_logits else 1, vocab), np.float32)
        rc = lib().lrtk_model_forward(self._h, ids.ctypes.data_as(C.POINTER(C.c_int32)), n, pos,
                                      out.ctypes.data_as(_F32P), int(all_logits))
        if rc == -1:
            raise UsageError(f"context full: {pos + n} tokens exceed {self.config['max_seq_len']}")
        if rc != 0:
            raise DataError("the native forward pass failed", path=self.path)
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


class Sampler:
    """Greedy (temperature 0) or temperature / top-k / top-p sampling with a seed."""

    def __init__(self, vocab_size: int, temperature: float = 0.0, top_k: int = 0,
                 top_p: float = 1.0, seed: int = 0):
        self._h = lib().lrtk_sampler_create(vocab_size, temperature, top_k, top_p, seed)

    def __call__(self, logits: np.ndarray) -> int:
        logits = np.ascontiguousarray(logits, np.float32)
        return lib().lrtk_sampler_sample(self._h, logits.ctypes.data_as(_F32P))

    def close(self) -> None:
        if getattr(self, "_h", None):
            lib().lrtk_sampler_free(self._h)
            self._h = None

    __del__ = close
