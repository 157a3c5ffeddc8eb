"""Loading a sentencepiece model with a one-line error instead of a C++ exception (for the
tokenizer stage and for counting tokens when sampling, so it sits below both)."""

from __future__ import annotations

import os

from lrtk.errors import UsageError
from lrtk.io.lines import require_readable


def load_model(path: str):
    import sentencepiece as spm

    if not os.path.isfile(path):
        raise UsageError("tokenizer model not found", path=path,
                         hint="train one with `lrtk tokenizer train`")
    require_readable(path)
    processor = spm.SentencePieceProcessor()
    try:
        processor.Load(path)
    except (OSError, RuntimeError) as e:
        raise UsageError(f"not a sentencepiece model ({e})", path=path) from None
    return processor
