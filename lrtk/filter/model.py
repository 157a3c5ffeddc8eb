"""The fitted part of a filter chain, learned once from a seeded sample of the corpus.

The filters that learn from the corpus (IBM 1 models of the lexical margin, the length
outlier's median and spread) are fitted on at most `sample` pairs drawn uniformly from the
input (reservoir sampling, seeded; the whole input when it is smaller), kept in input order.
The result is a JSON file: fitted once, it is what every shard, worker and machine of a run
loads, which is what makes their results agree.

Why a sample rather than the whole corpus: IBM 1 training holds every (source word, target
word) co-occurrence of its pairs in memory: fitting on 20,000 TICO-19/Tatoeba pairs peaked
at about 800 MB (benchmarks/bench_scale.py), 10,000 (the default of --fit-sample) at about
450 MB, while the million pairs of a large corpus would need tens of GB; a lexicon for
scoring levels off after a few thousand pairs (the benchmark sets have 2,000 to 3,000).
"""

from __future__ import annotations

import json
from typing import Optional

import numpy as np

from lrtk.errors import DataError, UsageError, param
from lrtk.filter.base import Pair
from lrtk.filter.chain import FilterChain
from lrtk.io.atomic import atomic_output
from lrtk.io.lines import read_bytes, read_lines
from lrtk.io.records import Record

FORMAT = "lrtk-filter-model"
VERSION = 1


def sample_records(path: str, name: str, size: int, seed: int,
                   skip_bad: bool) -> list[Record]:
    """Up to `size` good records drawn uniformly (seeded reservoir sample), in input order."""
    from lrtk.filter.stream import record_at

    rng = np.random.default_rng(seed)
    chosen: list[tuple[int, int, str]] = []
    n = 0
    for lineno, text in read_lines(path):
        if skip_bad:
            # Which records count depends on parsing each one (or, under --skip-bad, they are
            # left out silently: the shard that owns the line warns about it).
            if record_at(name, lineno, text, strict=False) is None:
                continue
        elif not text.strip():
            continue
        # Otherwise every non-blank line is a record or fails the run, in the shard that owns
        # it, so only the chosen lines are parsed: parsing all of them here was a serial pass
        # over the whole input before any shard started.
        if len(chosen) < size:
            chosen.append((n, lineno, text))
        else:
            j = int(rng.integers(0, n + 1))
            if j < size:
                chosen[j] = (n, lineno, text)
        n += 1
    return [record_at(name, lineno, text, strict=True)
            for _, lineno, text in sorted(chosen, key=lambda item: item[0])]


def fit_chain(chain: FilterChain, path: str, name: str, size: int, seed: int,
              skip_bad: bool) -> dict:
    """Fit the chain's learning filters on a sample of the input; their state."""
    sample = sample_records(path, name, size, seed, skip_bad)
    chain.fit([Pair(r["src"], r["tgt"]) for r in sample])
    return chain.state()


def model_document(chain: FilterChain, src_lang: str, tgt_lang: str, state: dict) -> dict:
    return {"format": FORMAT, "version": VERSION, "src_lang": src_lang, "tgt_lang": tgt_lang,
            "filters": chain.describe(), "state": state}


def save_model(path: str, document: dict) -> None:
    with atomic_output(path) as fh:
        fh.write(json.dumps(document, ensure_ascii=False, sort_keys=True) + "\n")


def load_model(path: str, chain: FilterChain, src_lang: str, tgt_lang: str,
               document: Optional[dict] = None) -> dict:
    """The fitted state in a model file, checked against the chain and languages of this run."""
    if document is None:
        try:
            document = json.loads(read_bytes(path))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise DataError(f"not a filter model (not JSON: {e})", path=path,
                            hint=f"write one with {param('fit_only')} and "
                                 f"{param('model_out')}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DataError("not a filter model", path=path,
                        hint=f"write one with {param('fit_only')} and {param('model_out')}")
    if document.get("version") != VERSION:
        raise DataError(f"filter model version {document.get('version')!r}, expected {VERSION}",
                        path=path, hint="fit it again with this lrtk")
    if (document.get("src_lang"), document.get("tgt_lang")) != (src_lang, tgt_lang):
        raise UsageError(f"the model was fitted for {document.get('src_lang')}-"
                         f"{document.get('tgt_lang')}, this run is {src_lang}-{tgt_lang}",
                         path=path, hint="fit a model for these languages")
    if document.get("filters") != chain.describe():
        raise UsageError("the model was fitted for another filter chain (filters or options "
                         "differ)", path=path, hint=f"fit it again with this {param('config')}")
    state = document.get("state")
    if not isinstance(state, dict) or set(state) != set(chain.state_names()):
        raise DataError("the model's fitted state does not match its filters", path=path,
                        hint="fit it again")
    return state
