"""Sentence alignment: length (Gale–Church), lexical (hunalign-style, dictionary from file,
seed pairs or bootstrapped), embedding (vecalign-style, pluggable embedder) and translation
(Bleualign-style) aligners over one banded search, combined by votes, scored against gold.

Library use::

    from lrtk.align import DocPair, build_aligners, AlignerOptions, combine, score_alignments
    docs = [DocPair("d1", src_sentences, tgt_sentences, "bn", "en")]
    aligners = build_aligners(["lexical", "embedding", "length"], docs, AlignerOptions(), "bn")
    beads = combine({a.name: a.align(docs[0]) for a in aligners}, min_votes=2,
                    n_tgt=len(tgt_sentences))
"""

from lrtk.align.beads import Bead, parse_bead, read_beads
from lrtk.align.build import AlignerOptions, build_aligners
from lrtk.align.document import DocPair, ScoredBead
from lrtk.align.ensemble import VotedBead, combine
from lrtk.align.scoring import AlignmentScore, score_alignments

__all__ = ["AlignerOptions", "AlignmentScore", "Bead", "DocPair", "ScoredBead", "VotedBead",
           "build_aligners", "combine", "parse_bead", "read_beads", "score_alignments"]
