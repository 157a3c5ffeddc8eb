"""A Hugging Face tokenizer from our sentencepiece model, so AutoTokenizer works offline.

The output directory gets both the original `tokenizer.model` (for the native runtime and
`lrtk export`) and a LlamaTokenizerFast converted from it (tokenizer.json + config).

transformers' LlamaConverter assumes Llama's own sentencepiece setup and drops the model's
normalizer (NFKC and white-space folding); for our unigram models that changed the pieces of
every Bengali line. `_Converter` keeps the normalizer and pre-tokenizer of the generic
SpmConverter, so the fast tokenizer gives sentencepiece's ids (Viterbi ties and special-token
text like "<s>" aside), which the model needs at inference in the native runtime.
"""

from __future__ import annotations

import os
from pathlib import Path

from lrtk.errors import UsageError
from lrtk.io.lines import require_readable

MASK_PIECE = "<mask>"
# sentencepiece normalization rules built on NFKC (nfkc, nmt_nfkc, nmt_nfkc_cf, nfkc_cf).
_NFKC_RULES = ("nfkc", "nmt_nfkc")


def load_spm(path: str | os.PathLike):
    import sentencepiece as spm

    if not Path(path).is_file():
        raise UsageError("tokenizer model not found", path=str(path),
                         hint="train one with `lrtk tokenizer train`")
    require_readable(path)
    proc = spm.SentencePieceProcessor()
    try:
        proc.Load(str(path))
    except (OSError, RuntimeError):
        raise UsageError("not a sentencepiece model", path=str(path)) from None
    return proc


def hf_tokenizer(spm_path: str | os.PathLike):
    """LlamaTokenizerFast over the sentencepiece model; its pad and <mask> pieces, when the
    model defines them, become the pad and mask tokens."""
    from transformers import LlamaTokenizer, LlamaTokenizerFast

    proc = load_spm(spm_path)
    special = {}
    if proc.pad_id() >= 0:
        special["pad_token"] = proc.IdToPiece(proc.pad_id())
    if proc.PieceToId(MASK_PIECE) != proc.unk_id():
        special["mask_token"] = MASK_PIECE
    slow = LlamaTokenizer(vocab_file=str(spm_path), legacy=True)
    try:
        converted = _converter()(slow).converted()
    except ImportError as err:  # the conversion parses the model with protobuf
        raise UsageError(f"cannot convert the tokenizer: {err}",
                         hint="pip install protobuf") from None
    return LlamaTokenizerFast(tokenizer_object=converted, vocab_file=str(spm_path), legacy=True,
                              add_bos_token=True, add_eos_token=False,
                              bos_token=proc.IdToPiece(proc.bos_id()),
                              eos_token=proc.IdToPiece(proc.eos_id()),
                              unk_token=proc.IdToPiece(proc.unk_id()), **special)


def _converter():
    from transformers.convert_slow_tokenizer import LlamaConverter, SpmConverter

    class _Converter(LlamaConverter):
        """LlamaConverter (byte fallback, decoder) with sentencepiece's own normalization."""

        def normalizer(self, proto):
            from tokenizers import normalizers

            base = SpmConverter.normalizer(self, proto)
            if not proto.normalizer_spec.name.startswith(_NFKC_RULES):
                return base
            # tokenizers applies the charsmap per grapheme cluster and falls back to single
            # characters for clusters of 6+ bytes, so a decomposed Sinhala vowel sign after its
            # consonant (ය + ෙ + ්) stayed decomposed where sentencepiece and llama.cpp compose
            # it (ේ). Composing first gives their result: NFKC(NFC(x)) = NFKC(x).
            return normalizers.Sequence([normalizers.NFC(), base])

        def pre_tokenizer(self, replacement, add_prefix_space):
            return SpmConverter.pre_tokenizer(self, replacement, add_prefix_space)

    return _Converter


def save_tokenizer(spm_path: str | os.PathLike, directory: str | os.PathLike) -> None:
    """tokenizer.json, tokenizer_config.json and a copy of the sentencepiece tokenizer.model."""
    hf_tokenizer(spm_path).save_pretrained(str(directory))
