"""Running the aligners over documents and turning the ensemble's beads into records."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

from lrtk.align.document import Aligner, DocPair, ScoredBead
from lrtk.align.ensemble import VotedBead, combine
from lrtk.io.progress import progress


@dataclass
class AlignStats:
    documents: int = 0
    empty_documents: list[str] = field(default_factory=list)
    src_sentences: int = 0
    tgt_sentences: int = 0
    pairs: int = 0
    overlong_pairs_dropped: int = 0
    shapes: Counter = field(default_factory=Counter)
    votes: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {"documents": self.documents, "empty_documents": self.empty_documents,
                "src_sentences": self.src_sentences, "tgt_sentences": self.tgt_sentences,
                "pairs": self.pairs, "overlong_pairs_dropped": self.overlong_pairs_dropped,
                "bead_shapes": {f"{a}-{b}": n for (a, b), n in sorted(self.shapes.items())},
                "beads_by_votes": {str(k): n for k, n in sorted(self.votes.items())}}

    def absorb(self, part: dict) -> None:
        """Add the counts of another run's as_dict() (a shard's), which comes after ours."""
        for name in ("documents", "src_sentences", "tgt_sentences", "pairs",
                     "overlong_pairs_dropped"):
            setattr(self, name, getattr(self, name) + part[name])
        self.empty_documents += part["empty_documents"]
        self.shapes.update({tuple(map(int, k.split("-"))): n
                            for k, n in part["bead_shapes"].items()})
        self.votes.update({int(k): n for k, n in part["beads_by_votes"].items()})


@dataclass
class DocAlignment:
    doc: DocPair
    ensemble: list[VotedBead]
    single: dict[str, list[ScoredBead]]


def align_documents(docs: Iterable[DocPair], aligners: Sequence[Aligner], min_votes: int,
                    stats: AlignStats, total: int | None = None) -> Iterator[DocAlignment]:
    for doc in progress(docs, desc="align", total=total, unit="doc"):
        stats.documents += 1
        stats.src_sentences += len(doc.src)
        stats.tgt_sentences += len(doc.tgt)
        if not doc.src or not doc.tgt:
            # Nothing to pair; every sentence of the other side is a deletion.
            stats.empty_documents.append(doc.id)
        single = {a.name: a.align(doc) for a in aligners}
        voted = combine(single, min_votes, len(doc.tgt))
        for v in voted:
            stats.shapes[v.bead.kind] += 1
            stats.votes[v.votes] += 1
        yield DocAlignment(doc, voted, single)


def pair_records(result: DocAlignment, max_chars: int, stats: AlignStats) -> Iterator[dict]:
    """Sentence pairs (docs/formats.md) for the beads with both sides non-empty."""
    doc = result.doc
    for v in result.ensemble:
        src_idx, tgt_idx = v.bead.src, v.bead.tgt
        if not src_idx or not tgt_idx:
            continue
        src = " ".join(doc.src[i] for i in src_idx)
        tgt = " ".join(doc.tgt[j] for j in tgt_idx)
        if len(src) > max_chars or len(tgt) > max_chars:
            stats.overlong_pairs_dropped += 1
            continue
        stats.pairs += 1
        yield {"id": f"{doc.id}:{','.join(map(str, src_idx))}-{','.join(map(str, tgt_idx))}",
               "src": src, "tgt": tgt, "src_lang": doc.src_lang, "tgt_lang": doc.tgt_lang,
               "meta": {"doc": doc.id, "src_idx": list(src_idx), "tgt_idx": list(tgt_idx),
                        "aligners": list(v.costs), "votes": v.votes, "costs": v.costs}}
