"""Offline use of sacrebleu's sentencepiece tokenizers (flores101, flores200, spBLEU-1K).

sacrebleu downloads these models into its cache on first use. lrtk never downloads: it uses
the cached copy when present, a file named by --spm-model otherwise, and refuses with one
line that says where to get the model when neither exists.
"""

from __future__ import annotations

import os
from functools import lru_cache

from lrtk.errors import UsageError, param
from lrtk.io.lines import require_readable

SPM_TOKENIZERS = ("spm", "flores101", "flores200", "spBLEU-1K")


def sacrebleu_cache_path(tokenize: str) -> str:
    """Where sacrebleu itself looks for the model (the same rule as tokenizer_spm.py)."""
    from sacrebleu.tokenizers import tokenizer_spm

    url = tokenizer_spm.SPM_MODELS[tokenize]["url"]
    return os.path.join(tokenizer_spm.SACREBLEU_DIR, "models", os.path.basename(url))


class LocalSpmTokenizer:
    """sacrebleu tokenizer interface (`signature()`, `__call__`) over a local model file.

    The signature is the published tokenizer's name, because the file is meant to be that
    published model; the user vouches for it by naming it with --spm-model.
    """

    def __init__(self, tokenize: str, model_path: str):
        import sentencepiece as spm
        from sacrebleu.tokenizers import tokenizer_spm

        if not os.path.isfile(model_path):
            raise UsageError("sentencepiece model not found", path=model_path,
                             hint=f"{param('spm_model')} must name a .model file")
        self.name = tokenizer_spm.SPM_MODELS[tokenize]["signature"]
        require_readable(model_path)
        self.sp = spm.SentencePieceProcessor()
        try:
            self.sp.Load(model_path)
        except (OSError, RuntimeError) as e:
            raise UsageError(f"not a sentencepiece model: {e}", path=model_path) from None

    def signature(self) -> str:
        return self.name

    @lru_cache(maxsize=2**16)
    def __call__(self, line: str) -> str:
        return " ".join(self.sp.EncodeAsPieces(line))


def resolve_spm(tokenize: str, model_path: str | None) -> LocalSpmTokenizer | None:
    """None when sacrebleu can load the model itself, a local tokenizer, or a UsageError."""
    if model_path:
        return LocalSpmTokenizer(tokenize, model_path)
    cached = sacrebleu_cache_path(tokenize)
    if os.path.isfile(cached):
        return None
    from sacrebleu.tokenizers import tokenizer_spm

    url = tokenizer_spm.SPM_MODELS[tokenize]["url"]
    raise UsageError(
        f"BLEU tokenizer {tokenize!r} needs a sentencepiece model that sacrebleu would "
        f"download, and lrtk works offline",
        hint=f"fetch {url} on a connected machine and pass {param('spm_model')} FILE, "
             f"or place it at {cached}")
