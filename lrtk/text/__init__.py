"""Text normalisation and sentence segmentation for South Asian languages.

Library use (what `lrtk segment` does, one call per document):

    from lrtk.text import normalize, segment_text, split_sentences, supported_languages

    text = "আমি ভাত খাই। ডা. মো. রহিম এসেছেন। Dr. A. K. Khan said 2.5% was enough."
    segment_text(text, "bn")     # [(0, 12), (13, 33), (34, 70)]  character offsets
    split_sentences(text, "bn")  # ['আমি ভাত খাই।', 'ডা. মো. রহিম এসেছেন।', 'Dr. A. K. Khan ...']
    normalize(text, "bn")        # NFC + Bengali canonical forms + no stray zero-width marks

Sentences are exact substrings of the text they were cut from; a "\\n" in the text is always
a sentence boundary. Languages: see `supported_languages()` (bn, en, hi, ne, si, ur and the
rule-only `generic`); an unknown code raises UsageError listing them. The rules per language
are data files in lrtk/text/profiles/.
"""

from __future__ import annotations

import functools

from lrtk.text.normalize import normalize
from lrtk.text.profile import LanguageProfile, load_profile, supported_languages
from lrtk.text.segmenter import Segmenter


@functools.lru_cache(maxsize=None)
def get_segmenter(lang: str) -> Segmenter:
    """The (cached) segmenter for a language code."""
    return Segmenter(load_profile(lang))


def segment_text(text: str, lang: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the sentences of `text`."""
    return get_segmenter(lang).spans(text)


def split_sentences(text: str, lang: str) -> list[str]:
    """The sentences of `text` as strings."""
    return get_segmenter(lang).split(text)


__all__ = [
    "LanguageProfile",
    "Segmenter",
    "get_segmenter",
    "load_profile",
    "normalize",
    "segment_text",
    "split_sentences",
    "supported_languages",
]
