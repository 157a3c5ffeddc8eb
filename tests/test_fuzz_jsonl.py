"""Fuzzing the record readers: whatever bytes a file holds, reading it either yields records or
raises a DataError naming that file and a line, never another exception (which the CLI would
show as a traceback, or as click's bare "Aborted!" for an EOFError).

Inputs: arbitrary bytes, and real TICO-19 sentence-pair lines with bytes flipped, inserted,
deleted or cut, each as plain .jsonl and gzip-compressed .jsonl.gz (the compressed bytes
mutated too). Hypothesis runs derandomized and without its example database, so every run
tries the same inputs; `max_examples` bounds the time to a few seconds.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrtk.errors import DataError
from lrtk.io import read_jsonl
from lrtk.io.schema import SENTENCE_PAIR
from lrtk.sampling import CorpusSpec, scan_corpora

EXAMPLES = 150
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
RUNS: dict[str, int] = {}


def _valid_lines() -> bytes:
    from conftest import SHARED_DATA, shared_path

    if not SHARED_DATA.is_dir():  # read at import: a skip here skips the module, and says so
        pytest.skip(f"shared test data not found: {SHARED_DATA} (set LRTK_SHARED_DATA)",
                    allow_module_level=True)
    bn = shared_path("tico19", "en-bn", "tico19-test.bn").read_text(encoding="utf-8").splitlines()
    en = shared_path("tico19", "en-bn", "tico19-test.en").read_text(encoding="utf-8").splitlines()
    return "".join(json.dumps({"id": f"tico-{i}", "src": s, "tgt": t, "src_lang": "bn"},
                              ensure_ascii=False) + "\n"
                   for i, (s, t) in enumerate(zip(bn[:6], en[:6]))).encode("utf-8")


VALID = _valid_lines()

KIND = st.sampled_from(["flip", "insert", "delete", "cut"])
WHERE = st.floats(0, 1, allow_nan=False)  # position as a fraction of the length
# Bytes that make JSON interesting: structure, escapes, digits, newlines, UTF-8 lead bytes.
BYTE = st.one_of(st.integers(0, 255), st.sampled_from(list(b'{}[]",:\\u0123456789eE-+\n\xe0\xf0')))
MUTATION = st.tuples(KIND, WHERE, BYTE)


def mutate(data: bytes, mutations) -> bytes:
    out = bytearray(data)
    for kind, where, byte in mutations:
        i = min(int(where * len(out)), max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[i] = byte
        elif kind == "insert":
            out.insert(i, byte)
        elif kind == "delete" and out:
            del out[i]
        elif kind == "cut":
            del out[i:]
    return bytes(out)


def read_all(data: bytes, suffix: str, counter: str) -> None:
    """Read `data` as a file through every record reader; only DataError may come out, and
    it must name the file and a line."""
    RUNS[counter] = RUNS.get(counter, 0) + 1
    fd, path = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        readers = (lambda: list(read_jsonl(path)),
                   lambda: list(read_jsonl(path, schema=SENTENCE_PAIR)),
                   lambda: scan_corpora([CorpusSpec("bn", path, "jsonl", "src")]))
        for read in readers:
            try:
                read()
            except DataError as err:
                assert err.path == path, err.format()
                assert isinstance(err.line, int) and err.line >= 1, err.format()
                assert err.format().startswith(f"{path}:{err.line}: ")
    finally:
        os.unlink(path)


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data):
    read_all(data, ".jsonl", "bytes")
    read_all(data, ".jsonl.gz", "bytes.gz")


@FUZZ
@given(st.lists(MUTATION, max_size=6))
def test_mutated_valid_lines(mutations):
    data = mutate(VALID, mutations)
    read_all(data, ".jsonl", "mutated")
    read_all(gzip.compress(data, mtime=0), ".jsonl.gz", "mutated-then-gzipped")


@FUZZ
@given(st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_gzip_stream(mutations):
    read_all(mutate(gzip.compress(VALID, mtime=0), mutations), ".jsonl.gz", "gzip-mutated")


@pytest.fixture(scope="module", autouse=True)
def report_runs():
    yield
    # Shown with -s (or in the captured teardown output): how many files each test read.
    print("\nfuzzed inputs read: " + ", ".join(f"{k} {v}" for k, v in sorted(RUNS.items())))
