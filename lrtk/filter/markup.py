"""Web noise: URLs, e-mail addresses and HTML left over from crawling."""

from __future__ import annotations

import dataclasses

import regex

from lrtk.filter.base import Filter, Pair, Scores

_NOISE = regex.compile(
    r"(?:https?://|ftp://|www\.)\S+"           # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"           # e-mail addresses
    r"|</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>"  # HTML/XML tags
    r"|&(?:[A-Za-z]+|#\d+|#x[0-9A-Fa-f]+);"    # HTML entities
)


# Every match of _NOISE holds one of these; most sentences hold none, and looking for them
# is far cheaper than running the regex.
_MARKERS = ("://", "www.", "@", "<", "&")


def noise_fraction(text: str) -> float:
    if not text or not any(m in text for m in _MARKERS):
        return 0.0
    return sum(len(m.group()) for m in _NOISE.finditer(text)) / len(text)


@dataclasses.dataclass
class MarkupFilter(Filter):
    """At most `max_ratio` of each side's characters inside URLs, e-mails or HTML markup.

    A sentence that cites a URL is fine; one that mostly is a URL or a tag soup is not.
    """

    name = "markup"
    max_ratio: float = 0.3

    def score(self, pair: Pair) -> Scores:
        return {"src": noise_fraction(pair.src), "tgt": noise_fraction(pair.tgt)}

    def keep(self, scores: Scores) -> bool:
        return max(scores.values()) <= self.max_ratio
