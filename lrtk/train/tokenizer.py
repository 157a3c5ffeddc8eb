"""A Hugging Face tokenizer from our sentencepiece model, so AutoTokenizer works offline.

The output directory gets both the original `tokenizer.model` (for the native runtime and
`lrtk export`) and a LlamaTokenizerFast converted from it (tokenizer.json + config).
"""

from __future__ import annotations

import os
from pathlib import Path

from lrtk.errors import UsageError

MASK_PIECE = "<mask>"


def load_spm(path: str | os.PathLike):
    import sentencepiece as spm

    if not Path(path).is_file():
        raise UsageError("tokenizer model not found", path=str(path),
                         hint="train one with `lrtk tokenizer train`")
    proc = spm.SentencePieceProcessor()
    try:
        proc.Load(str(path))
    except (OSError, RuntimeError):
        raise UsageError("not a sentencepiece model", path=str(path)) from None
    return proc


def hf_tokenizer(spm_path: str | os.PathLike):
    """LlamaTokenizerFast over the sentencepiece model; its pad and <mask> pieces, when the
    model defines them, become the pad and mask tokens."""
    from transformers import LlamaTokenizerFast

    proc = load_spm(spm_path)
    special = {}
    if proc.pad_id() >= 0:
        special["pad_token"] = proc.IdToPiece(proc.pad_id())
    if proc.PieceToId(MASK_PIECE) != proc.unk_id():
        special["mask_token"] = MASK_PIECE
    try:
        return LlamaTokenizerFast(vocab_file=str(spm_path), legacy=False, from_slow=True,
                                  add_bos_token=True, add_eos_token=False, **special)
    except ImportError as err:  # the slow->fast conversion parses the model with protobuf
        raise UsageError(f"cannot convert the tokenizer: {err}",
                         hint="pip install protobuf") from None


def vocab_size(spm_path: str | os.PathLike) -> int:
    return load_spm(spm_path).GetPieceSize()


def save_tokenizer(spm_path: str | os.PathLike, directory: str | os.PathLike) -> None:
    """tokenizer.json, tokenizer_config.json and a copy of the sentencepiece tokenizer.model."""
    hf_tokenizer(spm_path).save_pretrained(str(directory))
