"""Language identification with py3langid, whose model ships inside the pip package.

py3langid (a maintained langid.py) covers 142 languages including bn, ne, si, ur, hi and en,
and needs no download, which is why it is the default detector.
"""

from __future__ import annotations

import dataclasses
import functools

import regex

from lrtk.errors import UsageError
from lrtk.filter.base import Filter, Pair, Scores

_LETTER = regex.compile(r"\p{L}")


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def supported_languages() -> set[str]:
    return set(_identifier().nb_classes)


def language_probability(text: str, lang: str) -> float:
    """The detector's normalised probability that `text` is in `lang`."""
    return dict(_identifier().rank(text)).get(lang, 0.0)


@dataclasses.dataclass
class LangIdFilter(Filter):
    """Each side's probability of being in its declared language at least `min_prob`.

    Lines with fewer than `min_letters` letters are not judged (score 1.0): detectors guess
    on 'OK' or a name, and the script filter still covers them.
    """

    name = "langid"
    min_prob: float = 0.1
    min_letters: int = 10

    def __post_init__(self):
        missing = {self.src_lang, self.tgt_lang} - supported_languages()
        if missing:
            raise UsageError(f"py3langid does not know language(s) {', '.join(sorted(missing))}",
                             hint="drop the langid filter from the --config chain")

    def score(self, pair: Pair) -> Scores:
        return {"src": self._prob(pair.src, self.src_lang),
                "tgt": self._prob(pair.tgt, self.tgt_lang)}

    def _prob(self, text: str, lang: str) -> float:
        if len(_LETTER.findall(text)) < self.min_letters:
            return 1.0
        return language_probability(text, lang)

    def keep(self, scores: Scores) -> bool:
        return min(scores.values()) >= self.min_prob
