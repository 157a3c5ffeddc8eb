"""The lrtk model file (see native/include/lrtk_model.h): header, tensor table, 64-byte aligned data.

ModelWriter is the one code path that writes model files. Reading one is checked in one place,
the native loader (lrtk_model_open, behind lrtk.runtime.binding.NativeModel), which run, ppl,
bench and lrtk-run share; read_entries (and lrtk.runtime.binding.read_header) only unpack what
it accepted. Keep the struct layouts here in step with lrtk_model.h. The module sits in io,
below both export (which writes the format) and runtime (which reads it).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import IO

import numpy as np

from lrtk.errors import DataError

MAGIC = b"LRTKMODL"
VERSION = 4  # LRTK_FILE_VERSION
ALIGN = 64
NAME_LEN = 64
GATE_UP_BLOCK = 64  # LRTK_GATE_UP_BLOCK: rows of gate, then of up, in turn (docs/formats.md)
DT_F32, DT_F16, DT_I32, DT_U8, DT_TMAC = 0, 1, 2, 3, 4
QTYPES = {"1": 1, "2": 2, "3": 3, "4": 4, "ternary": 5}

# lrtk_config: ten int32, two float32, four reserved int32.
CONFIG_FIELDS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "head_dim",
                 "vocab_size", "max_seq_len", "bos_id", "eos_id", "norm_eps", "rope_attn_scale")
_CONFIG = struct.Struct("<10i2f4i")
_HEADER = struct.Struct("<8sII")
_ENTRY = struct.Struct(f"<{NAME_LEN}s4I2q2Q16x")
CONFIG_SIZE = _CONFIG.size
HEADER_SIZE = _HEADER.size + CONFIG_SIZE
assert HEADER_SIZE == 80 and _ENTRY.size == 128


@dataclass
class Entry:
    name: str
    dtype: int
    rows: int
    cols: int
    offset: int
    nbytes: int
    qtype: int = 0
    group_size: int = 0
    has_zeros: int = 0


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


class ModelWriter:
    """Streams tensors into a seekable binary handle; the header is written last by close().

    `capacity` reserves room for that many table entries, so tensors can be written as they
    are produced (a quantized 1B model never has to sit in memory whole).
    """

    def __init__(self, fh: IO[bytes], config: dict, capacity: int):
        self.fh = fh
        self.config = config
        self.capacity = capacity
        self.entries: list[Entry] = []
        self.pos = _align(HEADER_SIZE + capacity * _ENTRY.size)
        fh.seek(self.pos)

    def _write(self, name: str, dtype: int, data: bytes | memoryview, rows: int, cols: int,
               **quant) -> None:
        if len(self.entries) >= self.capacity:
            raise RuntimeError("ModelWriter capacity exceeded")
        if len(name.encode()) >= NAME_LEN:
            raise ValueError(f"tensor name too long for the model file: {name}")
        self.fh.write(data)
        nbytes = len(data) if isinstance(data, bytes) else data.nbytes
        self.entries.append(Entry(name, dtype, rows, cols, self.pos, nbytes, **quant))
        end = self.pos + nbytes
        self.pos = _align(end)
        self.fh.write(b"\0" * (self.pos - end))

    def dense(self, name: str, array: np.ndarray, dtype: str = "f32") -> None:
        """A matrix (rows x cols) or vector (n x 1) stored as f32, f16 or int32."""
        np_type, code = {"f32": ("<f4", DT_F32), "f16": ("<f2", DT_F16), "i32": ("<i4", DT_I32)}[dtype]
        a = np.ascontiguousarray(array, dtype=np_type)
        rows, cols = (a.shape[0], a.shape[1]) if a.ndim == 2 else (a.size, 1)
        self._write(name, code, memoryview(a).cast("B"), rows, cols)

    def blob(self, name: str, data: bytes) -> None:
        self._write(name, DT_U8, bytes(data), len(data), 1)

    def packed(self, name: str, packed: np.ndarray, scales: np.ndarray, zeros: np.ndarray | None,
               *, qtype: int, m: int, k: int, group_size: int) -> None:
        """A low-bit matrix in the kernels' layout (lrtk_tmac_pack output) with its scales."""
        self._write(name, DT_TMAC, memoryview(np.ascontiguousarray(packed, np.uint8)), m, k,
                    qtype=qtype, group_size=group_size, has_zeros=int(zeros is not None))
        self.dense(name + ".scales", scales.reshape(-1), "f16")
        if zeros is not None:
            self.dense(name + ".zeros", zeros.reshape(-1), "f16")

    def close(self) -> None:
        self.fh.seek(0)
        values = [self.config[f] for f in CONFIG_FIELDS]
        self.fh.write(_HEADER.pack(MAGIC, VERSION, len(self.entries)))
        self.fh.write(_CONFIG.pack(*values, 0, 0, 0, 0))
        for e in self.entries:
            self.fh.write(_ENTRY.pack(e.name.encode(), e.dtype, e.qtype, e.group_size,
                                      e.has_zeros, e.rows, e.cols, e.offset, e.nbytes))
        self.fh.seek(0, 2)


def unpack_config(raw: bytes) -> dict:
    """The named fields of an lrtk_config (the reserved words dropped)."""
    return dict(zip(CONFIG_FIELDS, _CONFIG.unpack_from(raw)))


def read_config(path: str) -> dict:
    """The config as the file stores it (a loaded model's config says its context instead)."""
    with open(path, "rb") as fh:
        return unpack_config(fh.read(HEADER_SIZE)[_HEADER.size:])


def read_entries(path: str) -> list[Entry]:
    """The tensor table of a model file that the native loader has accepted (it checked every
    field; this only unpacks them, and refuses a file that changed in between)."""
    with open(path, "rb") as fh:
        head = fh.read(HEADER_SIZE)
        n = _HEADER.unpack_from(head)[2] if len(head) == HEADER_SIZE else 0
        table = fh.read(n * _ENTRY.size)
    if n == 0 or len(table) < n * _ENTRY.size:
        raise DataError("the model file changed while it was opened", path=path)
    entries = []
    for i in range(n):
        name, dtype, qtype, gs, hz, rows, cols, off, nb = _ENTRY.unpack_from(table, i * _ENTRY.size)
        # The loader checks names are terminated, not that they are UTF-8: such a name matches
        # no tensor the runtime reads, so it only has to print.
        entries.append(Entry(name.split(b"\0", 1)[0].decode("utf-8", "backslashreplace"),
                             dtype, rows, cols, off, nb, qtype, gs, hz))
    return entries
