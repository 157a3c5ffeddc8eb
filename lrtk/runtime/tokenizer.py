"""The tokenizer embedded in a model file (or in an HF directory, for `lrtk ppl MODEL_DIR`):
an HF tokenizer.json when the `tokenizers` package is present, else the sentencepiece model."""

from __future__ import annotations

import json
from pathlib import Path

from lrtk.errors import DataError

FILES = ("tokenizer.model", "tokenizer.json", "tokenizer_config.json")


def _load(name: str, where: str, fix: str, parse):
    """parse(), with any failure as one DataError: tokenizers raises a bare Exception and
    sentencepiece a RuntimeError for a damaged file, and deeply nested JSON a RecursionError;
    to the user they all mean the same."""
    try:
        return parse()
    except Exception as e:  # noqa: BLE001
        detail = " ".join(str(e).split()) or type(e).__name__
        raise DataError(f"{name} cannot be read: {detail}", path=where, hint=fix) from None


class Tokenizer:
    """The blobs are checked here, where run and ppl (and export, before writing them) meet
    them: a damaged file is one DataError naming `where` and the file, never a library's
    traceback."""

    def __init__(self, blobs: dict[str, bytes], bos_id: int, where: str, fix: str):
        self.bos_id = bos_id
        settings = {}
        if "tokenizer_config.json" in blobs:
            settings = _load("tokenizer_config.json", where, fix, lambda: json.loads(
                blobs["tokenizer_config.json"].decode("utf-8")))
            if not isinstance(settings, dict):
                raise DataError("tokenizer_config.json is not a JSON object", path=where, hint=fix)
        self._hf = self._sp = None
        if "tokenizer.json" in blobs:
            try:
                from tokenizers import Tokenizer as HFTokenizer
            except ImportError:
                pass
            else:
                self._hf = _load("tokenizer.json", where, fix, lambda: HFTokenizer.from_str(
                    blobs["tokenizer.json"].decode("utf-8")))
        if self._hf is None and "tokenizer.model" in blobs:
            import sentencepiece as spm

            self._sp = _load("tokenizer.model", where, fix, lambda: spm.SentencePieceProcessor(
                model_proto=blobs["tokenizer.model"]))
        if self._hf is None and self._sp is None:
            raise DataError("no tokenizer (tokenizer.json or tokenizer.model) found", path=where,
                            hint=fix)
        # The HF post-processor adds specials itself; sentencepiece needs to be told.
        self.add_bos = self._sp is not None and bos_id >= 0 and settings.get("add_bos_token", True)

    @classmethod
    def from_dir(cls, directory: str | Path, bos_id: int) -> "Tokenizer":
        d = Path(directory)
        return cls({f: (d / f).read_bytes() for f in FILES if (d / f).is_file()}, bos_id, str(d),
                   "put the tokenizer the model was trained with in the directory")

    @classmethod
    def from_model(cls, model) -> "Tokenizer":
        blobs = {f: b for f in FILES if (b := model.blob(f)) is not None}
        return cls(blobs, model.config["bos_id"], model.path,
                   "export the model again from a checkpoint whose tokenizer loads")

    def encode(self, text: str) -> list[int]:
        if self._hf is not None:
            return self._hf.encode(text).ids
        return ([self.bos_id] if self.add_bos else []) + self._sp.encode(text)

    def decode(self, ids: list[int]) -> str:
        if self._hf is not None:
            return self._hf.decode(ids, skip_special_tokens=True)
        return self._sp.decode(ids)


def encode_file(tokenizer: Tokenizer, path: str, max_tokens: int | None = None) -> list[int]:
    """Token ids of a text file, each non-empty line encoded on its own (with BOS when the
    model uses one) and concatenated; stops after max_tokens."""
    from lrtk.io import read_lines

    ids: list[int] = []
    for _, line in read_lines(path):
        if line.strip():
            ids.extend(tokenizer.encode(line))
        if max_tokens and len(ids) >= max_tokens:
            return ids[:max_tokens]
    if len(ids) < 2:
        raise DataError("no text to score", path=path)
    return ids
