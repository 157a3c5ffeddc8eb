"""Fuzz of the model-file loader (issue 15): hypothesis mutates the kit's 4-bit export (bit
flips, truncations, any value in a header field or a tensor-table field, bytes written over
the table) and the one loader run, ppl and bench share must either load the file or raise
an lrtk error (DataError, one line), never another exception, and never crash the process.

The native part runs in a worker process (a crash there fails the example instead of the test
session); it does what the commands do with a model file: NativeModel opens it, the embedded
tokenizer loads (run, ppl), bench's weight count reads the table, and one forward pass runs.
Deterministic (derandomized) and bounded: MAX_EXAMPLES inputs, a few seconds on one core."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from badinput import _env, kit  # noqa: E402,F401  (kit: fixture)
from model_file_edit import ENTRY_FIELDS, HEADER_FIELDS, Layout, set_entry, set_header  # noqa: E402
from test_export import spm_model  # noqa: E402,F401  (fixture)

MAX_EXAMPLES = 600

WORKER = r"""
import json, sys
from lrtk.errors import LrtkError
from lrtk.runtime.bench import weight_bytes_per_token
from lrtk.runtime.binding import NativeModel
from lrtk.runtime.tokenizer import FILES, Tokenizer

for path in sys.stdin:
    path = path.strip()
    try:
        with NativeModel(path, threads=1, ctx_len=8) as m:
            if any(m.blob(f) is not None for f in FILES):
                Tokenizer.from_model(m)
            weight_bytes_per_token(m)
            m.forward([0], 0)
        reply = {"result": "loaded"}
    except LrtkError as e:
        reply = {"result": "error", "message": e.format()}
    except Exception as e:
        reply = {"result": "other", "message": f"{type(e).__name__}: {e}"}
    print(json.dumps(reply), flush=True)
"""


class Worker:
    """One long-lived child that opens files on request; restarted after a crash."""

    def __init__(self):
        self.proc = None

    def load(self, path) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([sys.executable, "-c", WORKER], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True, env=_env(None))
        self.proc.stdin.write(f"{path}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait(timeout=30)
            err = self.proc.stderr.read()
            self.proc = None
            return {"result": "crash", "message": f"worker exited {code}: {err[-2000:]}"}
        return json.loads(line)

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


U64 = st.one_of(st.sampled_from([0, 1, 63, 64, 2**31 - 1, 2**32 - 1, 2**63 - 1, 2**64 - 64,
                                 2**64 - 1]), st.integers(0, 2**64 - 1))
I32 = st.one_of(st.sampled_from([0, 1, -1, 2, 320, 2**31 - 1, -2**31]),
                st.integers(-2**31, 2**31 - 1))


def _field_value(fmt: str):
    return {"<I": U64.map(lambda v: v % 2**32), "<i": I32, "<q": U64.map(lambda v: v - 2**63),
            "<Q": U64, "<f": st.floats(width=32), "8s": st.binary(min_size=8, max_size=8),
            "64s": st.binary(min_size=1, max_size=64)}[fmt]


# A mutation is a tuple (kind, ...) that hypothesis prints readably when an example fails.
header_field = st.sampled_from(sorted(HEADER_FIELDS)).flatmap(
    lambda f: st.tuples(st.just("header"), st.just(f), _field_value(HEADER_FIELDS[f][1])))
entry_field = st.tuples(st.integers(0, 38), st.sampled_from(sorted(ENTRY_FIELDS))).flatmap(
    lambda t: st.tuples(st.just("entry"), st.just(t[0]), st.just(t[1]),
                        _field_value(ENTRY_FIELDS[t[1]][1])))
# Bit flips, most in the header and table (where the loader decides), some in the data.
bit_flips = st.tuples(st.just("flip"), st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 7)), min_size=1, max_size=8))
table_bytes = st.tuples(st.just("overwrite"), st.floats(0, 1, exclude_max=True),
                        st.binary(min_size=1, max_size=64))
truncation = st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True))
mutations = st.lists(st.one_of(header_field, entry_field, bit_flips, table_bytes, truncation),
                     min_size=1, max_size=3)


def mutate(data: bytes, layout: Layout, mutation: tuple) -> bytes:
    """The data with one mutation (none where a field lies past a truncated end)."""
    kind, *args = mutation
    try:
        if kind == "header":
            return set_header(data, *args)
        if kind == "entry":
            index, field, value = args
            return set_entry(data, min(index, len(layout.entries) - 1), field, value)
    except struct.error:
        return data
    if kind == "flip":
        out = bytearray(data)
        for where, bit in args[0]:
            i = int(where * (layout.table_end if where < 0.9 else len(out)))
            if i < len(out):
                out[i] ^= 1 << bit
        return bytes(out)
    if kind == "overwrite":
        at, payload = int(args[0] * layout.table_end), args[1]
        return data[:at] + payload + data[at + len(payload):]
    return data[:int(args[0] * len(data))]  # truncate


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.close()


def test_loader_loads_or_refuses_every_mutated_file(kit, worker, tmp_path):  # noqa: F811
    good = kit.model.read_bytes()
    layout = Layout(kit.model)
    assert worker.load(kit.model) == {"result": "loaded"}
    path = tmp_path / "fuzzed.lrtk"
    seen = {"inputs": 0, "loaded": 0, "error": 0}

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(mutations)
    def check(edits):
        data = good
        for mutation in edits:
            data = mutate(data, layout, mutation)
        path.write_bytes(data)
        reply = worker.load(path)
        seen["inputs"] += 1
        assert reply["result"] in ("loaded", "error"), reply["message"]
        seen[reply["result"]] += 1
        if reply["result"] == "error":
            assert "\n" not in reply["message"] and reply["message"].startswith(f"{path}: ")

    check()
    print(f"\nmodel-file fuzz: {seen['inputs']} inputs, {seen['loaded']} loaded, "
          f"{seen['error']} refused with one line")
    assert seen["inputs"] >= MAX_EXAMPLES // 2 and seen["error"] > seen["inputs"] // 2
