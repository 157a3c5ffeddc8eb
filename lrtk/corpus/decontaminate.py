"""Decontamination: drop every entry with a sentence that occurs in an evaluation set.

Matching is on the near-duplicate key (lrtk.corpus.dedup.fold) of the normalised text, so
an evaluation sentence that differs only in case, punctuation or digits is still caught.
Evaluation sets are small: their keys are held in memory, in every shard.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from lrtk.corpus.dedup import fold
from lrtk.io import read_jsonl
from lrtk.io.lines import read_lines
from lrtk.text.normalize import normalize

TEXT_FIELDS = ("src", "tgt", "text")


def _sentences(path: str) -> Iterable[str]:
    """Lines of a text file, or the src/tgt/text fields of a JSONL file."""
    if path.endswith((".jsonl", ".jsonl.gz")):
        for rec in read_jsonl(path):
            yield from (rec[f] for f in TEXT_FIELDS if isinstance(rec.get(f), str))
    else:
        yield from (text for _, text in read_lines(path))


def excluded_keys(paths: Sequence[str], langs: Sequence[str]) -> set[str]:
    """Keys of every sentence in `paths`, normalised as each of `langs` (the file's language
    is not declared, and normalisation is language-specific)."""
    keys = set()
    for path in paths:
        for text in _sentences(path):
            for lang in langs:
                key = fold(normalize(text, lang).strip())
                if key:
                    keys.add(key)
    return keys
