"""Corpus building: normalisation, deduplication, decontamination, hash splits, data cards.

    from lrtk.corpus import build_corpus, load_config
    front = build_corpus(load_config("corpus.yaml"), "out/corpus", excludes=["test.bn"],
                         card_path="data_cards/tico19-bn-en.md", command="...")
"""

from lrtk.corpus.build import build_corpus
from lrtk.corpus.config import CorpusConfig, load_config

__all__ = ["CorpusConfig", "build_corpus", "load_config"]
