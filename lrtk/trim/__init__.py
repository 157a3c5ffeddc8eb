"""Vocabulary trimming: a multilingual model cut down to the tokens its target languages use.

A model such as mT5 spends most of its parameters on an embedding matrix (and an untied
output head) over 250k tokens of a hundred languages. Keeping only the tokens a language's
corpus uses, plus special and byte-fallback tokens, gives a much smaller model that computes
the same logits on that language's text. Usage::

    from lrtk.sampling import parse_corpus_options
    from lrtk.trim import TrimOptions, trim_model

    report = trim_model("mt5-small", parse_corpus_options(["ur=ur.txt"]), "mt5-small-ur",
                        TrimOptions(top=None, coverage=None))
    print(report["params"], report["identical_lines"])

`select` picks the ids, `tokenizer_files` rewrites the tokenizer, `weights` slices the
embedding matrix and output head, `run` ties them together and checks the result.
"""

from lrtk.trim.run import TrimOptions, trim_model

__all__ = ["TrimOptions", "trim_model"]
