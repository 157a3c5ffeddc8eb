"""Extractive summarization baselines: lead-k, and an encoder's sentence-to-centroid scores.

Both pick whole sentences (lrtk's segmenter for the document's language) and keep them in
document order, so a summary is always a sub-sequence of the document; `lrtk eval --metric
rouge` scores them against references. Usage::

    from lrtk.summarize import EncoderScorer, summarize_documents

    for rec in summarize_documents(docs, method="lead", k=3, lang="ur"):
        ...                                      # {"id", "summary"}
    scorer = EncoderScorer("models/xlm-roberta-base")   # any local BERT/XLM-R folder
    summarize_documents(docs, method="encoder", k=3, lang="ur", scorer=scorer)
"""

from lrtk.summarize.extractive import (METHODS, EncoderScorer, lead, summarize_documents,
                                       top_central)

__all__ = ["METHODS", "EncoderScorer", "lead", "summarize_documents", "top_central"]
