"""The tokenizer embedded in a model file (or in an HF directory, for `lrtk ppl --hf`):
an HF tokenizer.json when the `tokenizers` package is present, else the sentencepiece model."""

from __future__ import annotations

import json
from pathlib import Path

from lrtk.errors import DataError

FILES = ("tokenizer.model", "tokenizer.json", "tokenizer_config.json")


class Tokenizer:
    def __init__(self, blobs: dict[str, bytes], bos_id: int, where: str):
        self.bos_id = bos_id
        settings = json.loads(blobs["tokenizer_config.json"]) if "tokenizer_config.json" in blobs else {}
        self._hf = self._sp = None
        if "tokenizer.json" in blobs:
            try:
                from tokenizers import Tokenizer as HFTokenizer

                self._hf = HFTokenizer.from_str(blobs["tokenizer.json"].decode("utf-8"))
            except ImportError:
                pass
        if self._hf is None and "tokenizer.model" in blobs:
            import sentencepiece as spm

            self._sp = spm.SentencePieceProcessor(model_proto=blobs["tokenizer.model"])
        if self._hf is None and self._sp is None:
            raise DataError("no tokenizer (tokenizer.json or tokenizer.model) found", path=where)
        # The HF post-processor adds specials itself; sentencepiece needs to be told.
        self.add_bos = self._sp is not None and bos_id >= 0 and settings.get("add_bos_token", True)

    @classmethod
    def from_dir(cls, directory: str | Path, bos_id: int) -> "Tokenizer":
        d = Path(directory)
        return cls({f: (d / f).read_bytes() for f in FILES if (d / f).is_file()}, bos_id, str(d))

    @classmethod
    def from_model(cls, model) -> "Tokenizer":
        blobs = {f: b for f in FILES if (b := model.blob(f)) is not None}
        return cls(blobs, model.config["bos_id"], model.path)

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
