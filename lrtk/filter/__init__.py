"""Sentence-pair filtering: rule filters, language ID, lexical scores and batch margin.

Every filter is a class with a `score` (a dict of named numbers per pair) and a `keep`
decision on that score; a FilterChain runs them in order. `default_chain` needs no model
download; `load_chain` reads a YAML chain (see lrtk.filter.config).

    from lrtk.filter import Pair, default_chain
    chain = default_chain("bn", "en")
    outcomes = chain.run([Pair("আমার জ্বর হয়েছে", "I have a fever"), ...])
"""

from lrtk.filter.base import Filter, Pair
from lrtk.filter.chain import FilterChain, Outcome
from lrtk.filter.config import FILTERS, default_chain, load_chain

__all__ = ["FILTERS", "Filter", "FilterChain", "Outcome", "Pair", "default_chain", "load_chain"]
