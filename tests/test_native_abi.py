"""lrtk/io/model_file.py and lrtk/runtime/binding.py mirror native/include/lrtk_model.h by hand.

The header's LRTK_SIZE / LRTK_OFFSET lines are _Static_asserts the compiler checks against the
real C layout on every build (x86-64 and the aarch64 cross build); these tests check the Python
struct formats against the same numbers, field by field, so neither side can drift silently.
No compiler is needed: the header is read as text.
"""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

import pytest

from badinput import kit  # noqa: F401  (fixture)
from test_bad_inputs_models import lrtk_run_bin  # noqa: F401  (fixture)
from test_export import spm_model  # noqa: F401  (fixture)

from lrtk.io import model_file as fmt
from lrtk.runtime.binding import ModelStatus, NativeModel

HEADER = Path(__file__).resolve().parents[1] / "native" / "include" / "lrtk_model.h"
# The C field types of the file structs and the struct codes model_file.py stores them as.
C_CODES = {"int32_t": "i", "uint32_t": "I", "float": "f", "int64_t": "q", "uint64_t": "Q"}
BYTES = {"char", "uint8_t"}  # byte arrays: one "Ns" (text) or "Nx" (reserved) item
# model_file.py's constant -> the header's #define (LRTK_ prefixed).
FORMAT_CONSTANTS = {"VERSION": "FILE_VERSION", "ALIGN": "ALIGN", "NAME_LEN": "NAME_LEN",
                    "GATE_UP_BLOCK": "GATE_UP_BLOCK"}


def _text() -> str:
    return re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)


def _asserted() -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """The sizes and field offsets the header's static asserts state."""
    text = _text()
    sizes = {t: int(n) for t, n in re.findall(r"^LRTK_SIZE\((\w+), (\d+)\);", text, re.M)}
    offsets = {(t, f): int(n)
               for t, f, n in re.findall(r"^LRTK_OFFSET\((\w+), (\w+), (\d+)\);", text, re.M)}
    return sizes, offsets


def _c_fields(struct_name: str) -> list[tuple[str, str, int]]:
    """(type, name, array length) of each field of a `typedef struct {...} NAME;`, in order."""
    text = _text()
    defines = dict(re.findall(r"^#define (\w+) (\d+)", text, re.M))
    body = re.search(r"typedef struct \{([^}]*)\} " + struct_name + ";", text).group(1)
    fields = []
    for decl in filter(None, (d.strip() for d in body.split(";"))):
        ctype, names = decl.split(None, 1)
        for name in (n.strip() for n in names.split(",")):
            m = re.fullmatch(r"(\w+)(?:\[(\w+)\])?", name)
            count = m.group(2) or "1"
            fields.append((ctype, m.group(1), int(defines.get(count, count))))
    return fields


def _py_items(fmt_string: str) -> list[tuple[int, str, int]]:
    """(offset, code, count) of each item of a little-endian struct format: "4I" is four items,
    "64s" and "16x" one each."""
    items, offset = [], 0
    for count, code in re.findall(r"(\d*)([a-zA-Z])", fmt_string.lstrip("<")):
        count = int(count or 1)
        size = struct.calcsize("<" + code)
        for _ in range(1 if code in "sx" else count):
            n = count if code in "sx" else 1
            items.append((offset, code, n))
            offset += size * n
    return items


def _py_offsets(struct_name: str, items: list[tuple[int, str, int]]) -> dict[str, int]:
    """Walks the C fields of struct_name over model_file.py's items, checking each field's type,
    and returns where model_file.py puts each field. Consumes the items it matches."""
    offsets = {}
    for ctype, name, count in _c_fields(struct_name):
        assert items, f"model_file.py ends before {struct_name}.{name}"
        offsets[name] = items[0][0]
        if ctype in BYTES:
            _, code, n = items.pop(0)
            assert code in "sx" and n == count, f"{struct_name}.{name}: {ctype}[{count}] vs {n}{code}"
        elif ctype in C_CODES:
            for _ in range(count):
                _, code, _ = items.pop(0)
                assert code == C_CODES[ctype], f"{struct_name}.{name}: {ctype} vs {code}"
        else:  # a nested struct (the header's config)
            offsets.update({f"{name}.{k}": v for k, v in _py_offsets(ctype, items).items()})
    return offsets


# Each C struct and the model_file.py struct that stores it (the header is _HEADER then _CONFIG).
LAYOUTS = {
    "lrtk_config": fmt._CONFIG.format,
    "lrtk_file_header": fmt._HEADER.format + fmt._CONFIG.format.lstrip("<"),
    "lrtk_tensor_entry": fmt._ENTRY.format,
}


@pytest.mark.parametrize("c_struct", sorted(LAYOUTS))
def test_format_py_matches_header_static_asserts(c_struct):
    sizes, asserted = _asserted()
    items = _py_items(LAYOUTS[c_struct])
    size = struct.calcsize(LAYOUTS[c_struct])
    offsets = _py_offsets(c_struct, items)
    assert not items, f"model_file.py has items past the end of {c_struct}: {items}"
    assert sizes[c_struct] == size
    top_level = {k: v for k, v in offsets.items() if "." not in k}
    # Every field has its assert (a field added without one would go unchecked by the compiler).
    assert {f: n for (t, f), n in asserted.items() if t == c_struct} == top_level


def test_header_and_config_fields_agree():
    """model_file.py's CONFIG_FIELDS (how binding.py names the config) are the C field names."""
    names = [name for _, name, _ in _c_fields("lrtk_config") if name != "reserved"]
    assert tuple(names) == fmt.CONFIG_FIELDS
    assert fmt.HEADER_SIZE == _asserted()[0]["lrtk_file_header"]


def _defines() -> dict[str, int]:
    return {name: int(value) for name, value in
            re.findall(r"^#define (LRTK_\w+) (\d+)\b", _text(), re.M)}


def test_format_constants_agree():
    """The file format's numbers: the exporter writing one value and the runtime reading
    another would give a file every check accepts and wrong outputs (the gate/up block)."""
    defines = _defines()
    assert {name: defines[f"LRTK_{c}"] for name, c in FORMAT_CONSTANTS.items()} == \
        {name: getattr(fmt, name) for name in FORMAT_CONSTANTS}


def test_drift_is_caught(monkeypatch):
    """The check fails when model_file.py moves a field (a test that cannot fail is a defect)."""
    monkeypatch.setitem(LAYOUTS, "lrtk_tensor_entry", "<64s4I2Q2q16x")  # rows/cols unsigned
    with pytest.raises(AssertionError, match="rows"):
        test_format_py_matches_header_static_asserts("lrtk_tensor_entry")
    monkeypatch.setitem(LAYOUTS, "lrtk_tensor_entry", "<64sI4x3I2q2Q12x")  # padding after dtype
    with pytest.raises(AssertionError):
        test_format_py_matches_header_static_asserts("lrtk_tensor_entry")
    monkeypatch.setattr(fmt, "GATE_UP_BLOCK", 32)
    with pytest.raises(AssertionError, match="GATE_UP_BLOCK"):
        test_format_constants_agree()


def test_model_status_mirror():
    """binding.ModelStatus holds exactly the header's lrtk_model_status values."""
    body = re.search(r"typedef enum \{([^}]*)\} lrtk_model_status;", _text()).group(1)
    header = {name: int(value) for name, value in re.findall(r"LRTK_MODEL_(\w+) = (-?\d+)", body)}
    assert header == {s.name: int(s) for s in ModelStatus}


def test_strerror_names_every_status():
    """lrtk_model_strerror has a message of its own for every status, and a fallback."""
    from lrtk.runtime.binding import lib

    messages = {s: lib().lrtk_model_strerror(s).decode() for s in ModelStatus}
    unknown = lib().lrtk_model_strerror(-99).decode()
    assert len(set(messages.values())) == len(ModelStatus)
    assert unknown not in messages.values()
    assert messages[ModelStatus.E_TOKEN] == "token id outside the vocabulary"


# lrtk-run reads statuses by name and prints lrtk_model_strerror's line; id -> (prompt ids for
# a model with context `ctx` and vocabulary `vocab`, the stderr line after "lrtk-run: ").
LRTK_RUN_CASES = {
    "token-outside-vocab": (lambda ctx, vocab: [1, vocab], "token id outside the vocabulary"),
    # Every id is counted: a long prompt is refused, not cut to the context.
    "prompt-past-context": (lambda ctx, vocab: [1] * (ctx + 1),
                            "prompt longer than the context ({n} ids, context {ctx})"),
}


def _context_and_vocab(model) -> tuple[int, int]:
    """The model's full context (read_header opens it with a context of 1) and vocabulary."""
    with NativeModel(str(model), mmap=True) as m:
        return m.config["max_seq_len"], m.config["vocab_size"]


@pytest.mark.parametrize("case", sorted(LRTK_RUN_CASES))
def test_lrtk_run_status_lines(case, kit, lrtk_run_bin):  # noqa: F811
    ctx, vocab = _context_and_vocab(kit.model)
    make_ids, line = LRTK_RUN_CASES[case]
    ids = make_ids(ctx, vocab)
    res = subprocess.run([str(lrtk_run_bin), str(kit.model), "-i", " ".join(map(str, ids)),
                          "-n", "2"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert res.stdout == ""  # nothing generated, not even an empty line
    assert res.stderr == "lrtk-run: " + line.format(n=len(ids), ctx=ctx) + "\n"


def test_lrtk_run_prompt_filling_the_context(kit, lrtk_run_bin):  # noqa: F811
    """A prompt of exactly the context runs (the boundary of the case above): no room to
    generate, so an empty line and exit 0."""
    ids = " ".join(["1"] * _context_and_vocab(kit.model)[0])
    res = subprocess.run([str(lrtk_run_bin), str(kit.model), "-i", ids, "-n", "2"],
                         capture_output=True, text=True, timeout=60)
    assert (res.returncode, res.stdout, res.stderr) == (0, "\n", "")
