"""Byte-level edits of an lrtk model file for the bad-input and fuzz tests: set a header field
or a tensor-table field to any value, whatever the writer would allow (layout of
native/include/lrtk_model.h, little endian)."""

from __future__ import annotations

import struct

from lrtk.io.model_file import CONFIG_FIELDS, HEADER_SIZE
from lrtk.runtime.binding import read_header

ENTRY_SIZE = 128
# field -> (offset in the 80-byte header, struct format)
HEADER_FIELDS = {"magic": (0, "8s"), "version": (8, "<I"), "n_tensors": (12, "<I"),
                 **{f: (16 + 4 * i, "<f" if f in ("norm_eps", "rope_attn_scale") else "<i")
                    for i, f in enumerate(CONFIG_FIELDS)}}
# field -> (offset in a 128-byte table entry, struct format)
ENTRY_FIELDS = {"name": (0, "64s"), "dtype": (64, "<I"), "qtype": (68, "<I"),
                "group_size": (72, "<I"), "has_zeros": (76, "<I"), "rows": (80, "<q"),
                "cols": (88, "<q"), "offset": (96, "<Q"), "nbytes": (104, "<Q")}
assert HEADER_SIZE == 80


def set_header(data: bytes, field: str, value) -> bytes:
    offset, fmt = HEADER_FIELDS[field]
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def set_entry(data: bytes, index: int, field: str, value) -> bytes:
    offset, fmt = ENTRY_FIELDS[field]
    out = bytearray(data)
    struct.pack_into(fmt, out, HEADER_SIZE + index * ENTRY_SIZE + offset, value)
    return bytes(out)


class Layout:
    """Where the tensors of a good model file are, to aim edits at one of them."""

    def __init__(self, path):
        self.config, entries = read_header(str(path))
        self.entries = entries
        self.index = {e.name: i for i, e in enumerate(entries)}
        self.table_end = HEADER_SIZE + len(entries) * ENTRY_SIZE

    def tensor(self, name: str):
        return self.entries[self.index[name]]

    def replace(self, data: bytes, name: str, payload: bytes) -> bytes:
        """The tensor's bytes replaced by `payload` (padded or cut to its size)."""
        e = self.tensor(name)
        body = payload[:e.nbytes].ljust(e.nbytes, b" ")
        return data[:e.offset] + body + data[e.offset + e.nbytes:]

    def entry(self, data: bytes, name: str, field: str, value) -> bytes:
        return set_entry(data, self.index[name], field, value)
