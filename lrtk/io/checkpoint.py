"""The checks every stage runs on a saved model directory before a library reads it.

Without them transformers takes a path that is not a local directory for a Hub id and fails
offline with a download traceback, and a truncated or garbled file fails deep inside
safetensors, json or the model class with a message that names neither the file nor the
fault. These checks are cheap (headers, JSON and tokenizer files; no weights are read) and
need neither torch nor transformers; lrtk.io.hf_model loads the directory once they pass.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

from lrtk.errors import DataError, UsageError
from lrtk.io.lines import require_readable

# The files a saved model is loaded from: weights, configs, tokenizer.
MODEL_FILE_SUFFIXES = (".safetensors", ".bin", ".json", ".model")
# What from_pretrained reads weights from, in its order of preference.
WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
# Sentencepiece models under the names tokenizers of Llama, T5 and XLM-R save them as.
SENTENCEPIECE_FILES = ("tokenizer.model", "spiece.model", "sentencepiece.bpe.model")


def require_dir(path: str | os.PathLike, option: str, marker: str = "config.json",
                what: str = "Hugging Face model") -> None:
    """UsageError unless `path` is a directory holding `marker` (what `option` must name)."""
    if not os.path.isdir(path):
        raise UsageError("directory not found", path=str(path),
                         hint=f"{option} takes a local directory")
    if not os.access(path, os.R_OK | os.X_OK):
        raise UsageError("permission denied: cannot read this directory", path=str(path),
                         hint="check its permissions")
    if not os.path.isfile(os.path.join(path, marker)):
        raise UsageError(f"no {marker} in this directory", path=str(path),
                         hint=f"{option} must point at a saved {what}")
    # transformers and safetensors report an unreadable weight file as a missing one.
    require_readable(*(os.path.join(path, name) for name in sorted(os.listdir(path))
                       if name.endswith(MODEL_FILE_SUFFIXES)))


def read_json(path: str | os.PathLike, hint: str = "save or copy the file again"):
    """The JSON value in `path`; a DataError naming the file and line if it does not parse."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError("not UTF-8 text, so not JSON", path=str(path), hint=hint) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise DataError(f"not valid JSON (truncated or garbled): {e.msg} at column {e.colno}",
                        path=str(path), line=e.lineno, hint=hint) from None


def check_safetensors(path: str | os.PathLike, hint: str = "save or copy the file again") -> None:
    """DataError unless the file is as long as its header says. A safetensors file is an
    8-byte header length, a JSON header giving each tensor's byte range, then the data: a copy
    cut short or overwritten shows up here without reading the tensors."""
    size = os.path.getsize(path)

    def corrupt(detail: str) -> DataError:
        return DataError(f"truncated or corrupt ({detail})", path=str(path), hint=hint)

    if size < 8:
        raise corrupt(f"file has {size} bytes, fewer than the 8 of the header length")
    with open(path, "rb") as fh:
        (header_len,) = struct.unpack("<Q", fh.read(8))
        if 8 + header_len > size:
            raise corrupt(f"header says {8 + header_len} bytes or more, file has {size}")
        try:
            header = json.loads(fh.read(header_len))
            end = max((entry["data_offsets"][1] for name, entry in header.items()
                       if name != "__metadata__"), default=0)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            raise corrupt("the header is not a safetensors header") from None
    if not isinstance(end, int) or 8 + header_len + end != size:
        raise corrupt(f"header says {8 + header_len + end} bytes, file has {size}")


def check_sentencepiece(path: str | os.PathLike) -> None:
    """DataError unless sentencepiece parses the file (a cut protobuf fails to)."""
    import sentencepiece as spm

    try:
        spm.SentencePieceProcessor(model_proto=Path(path).read_bytes())
    except (RuntimeError, OSError):
        raise DataError("not a sentencepiece model (truncated or corrupt)", path=str(path),
                        hint="save or copy the file again") from None


def check_files(path: str | os.PathLike) -> None:
    """Every JSON, safetensors and sentencepiece file directly in the directory `path` reads
    back whole."""
    for file in sorted(Path(path).iterdir()):
        if not file.is_file():
            continue
        if file.suffix == ".json":
            read_json(file)
        elif file.suffix == ".safetensors":
            check_safetensors(file)
        elif file.name in SENTENCEPIECE_FILES:
            check_sentencepiece(file)


def check_model_dir(path: str | os.PathLike, option: str) -> dict:
    """The parsed config.json of a saved Hugging Face model directory, after checking that
    the files a loader reads are whole and that weights are there; `option` names the command
    line option that gave `path`."""
    require_dir(path, option)
    check_files(path)
    config_file = Path(path) / "config.json"
    config = read_json(config_file)
    if not isinstance(config, dict):
        raise DataError("expected a JSON object", path=str(config_file))
    if not isinstance(config.get("model_type"), str):
        raise DataError("no \"model_type\" string", path=str(config_file),
                        hint="save the model with save_pretrained")
    if not any((Path(path) / name).is_file() for name in WEIGHT_FILES):
        raise DataError("no model weights in this directory", path=str(path),
                        hint=f"expected one of {', '.join(WEIGHT_FILES)}")
    return config
