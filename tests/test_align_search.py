"""The banded search, the gold scorer and the vote ensemble, on small exact cases."""

from __future__ import annotations

import random

import numpy as np
import pytest

from lrtk.align.beads import Bead, parse_bead, read_beads
from lrtk.align.document import ScoredBead
from lrtk.align.ensemble import combine, resolve_min_votes
from lrtk.align.length import LengthProfile
from lrtk.align.scoring import score_alignments
from lrtk.align.search import bead_shapes, best_path, scored_path
from lrtk.errors import DataError


def _b(text: str) -> Bead:
    return parse_bead(text)


class CountingCosts:
    """Length costs that count how many cells the search asked for."""

    def __init__(self, src, tgt):
        self.inner = LengthProfile(src, tgt)
        self.cells = 0

    def row(self, i, js, shapes):
        self.cells += len(js)
        return self.inner.row(i, js, shapes)


def _sentences(rng: random.Random, n: int) -> list[str]:
    return ["x" * rng.randint(5, 200) for _ in range(n)]


def test_band_is_linear_and_exact_on_long_documents():
    rng = random.Random(1)
    src = _sentences(rng, 3000)
    # Target: the same lengths, with every 10th pair of sentences merged into one.
    tgt, gold, i = [], [], 0
    while i < len(src):
        if i % 10 == 0 and i + 1 < len(src):
            gold.append(Bead((i, i + 1), (len(tgt),)))
            tgt.append(src[i] + " " + src[i + 1])
            i += 2
        else:
            gold.append(Bead((i,), (len(tgt),)))
            tgt.append(src[i])
            i += 1
    costs = CountingCosts(src, tgt)
    path = best_path(len(src), len(tgt), bead_shapes(4, 5), costs)
    assert path == gold
    assert costs.cells < 3001 * 200  # a band, not the 3000 x 2700 matrix


def test_scored_path_costs_are_the_beads_own_costs():
    """The cost attached to each bead is the one the search paid for it, the same the scorer
    gives that bead alone."""
    rng = random.Random(4)
    src = _sentences(rng, 400)
    tgt = [s for k, s in enumerate(src) if k % 17] + ["y" * 90]  # drops and an insertion
    shapes = bead_shapes(4, 5)
    profile = LengthProfile(src, tgt)
    scored = scored_path(len(src), len(tgt), shapes, profile)
    assert [sb.bead for sb in scored] == best_path(len(src), len(tgt), shapes, profile)
    assert len({sb.bead.kind for sb in scored}) > 2  # not only 1-1 beads
    for sb in scored:
        i, j = sb.at[0] + len(sb.bead.src), sb.at[1] + len(sb.bead.tgt)
        alone = profile.row(i, np.array([j]), shapes)[shapes.index(sb.bead.kind), 0]
        assert abs(sb.cost - alone) <= 5.1e-5  # costs are reported to 4 decimals


class ExactCosts:
    """1-1 beads of identical sentences are free, other 1-1 beads dear, deletions in between."""

    def __init__(self, src, tgt):
        self.src, self.tgt = src, tgt

    def row(self, i, js, shapes):
        out = np.ones((len(shapes), len(js)))
        k = shapes.index((1, 1))
        out[k] = [0.0 if i and j and self.src[i - 1] == self.tgt[j - 1] else 3.0 for j in js]
        return out


def test_band_widens_for_a_large_insertion():
    src = [f"s{i}" for i in range(300)]
    tgt = src[:100] + [f"new{i}" for i in range(120)] + src[100:]
    shapes = [(0, 1), (1, 0), (1, 1)]
    path = best_path(len(src), len(tgt), shapes, ExactCosts(src, tgt))
    # The true path runs 40-120 cells off the diagonal, past the first band: it was widened.
    assert [b for b in path if b.src and b.tgt] == [Bead((i,), (i if i < 100 else i + 120,))
                                                     for i in range(300)]
    assert sum(1 for b in path if not b.src) == 120


def test_scoring_strict_and_lax():
    gold = [[_b("[0]:[0]"), _b("[1]:[1,2]"), _b("[]:[3]")]]
    pred = [[_b("[0]:[0]"), _b("[1]:[1]"), _b("[]:[2]"), _b("[]:[3]")]]
    s = score_alignments(gold, pred)
    assert s.strict_p == pytest.approx(2 / 4) and s.strict_r == pytest.approx(1 / 2)
    assert s.lax_p == pytest.approx(3 / 4) and s.lax_r == pytest.approx(2 / 2)


def test_read_beads_documents_and_errors(tmp_path):
    path = tmp_path / "g.beads"
    path.write_text("[0]:[0]\n[1,2]:[]\n\n[0]:[0,1]\n")
    assert read_beads(path) == [[_b("[0]:[0]"), Bead((1, 2), ())], [Bead((0,), (0, 1))]]
    path.write_text("[0]:[0]\n0-1\n")
    with pytest.raises(DataError) as err:
        read_beads(path)
    assert err.value.line == 2


def _scored(*beads: str) -> list[ScoredBead]:
    """A path of beads with their start positions, as an aligner returns it."""
    out, i, j = [], 0, 0
    for text in beads:
        bead = _b(text)
        out.append(ScoredBead(bead, 0.5, (i, j)))
        i, j = i + len(bead.src), j + len(bead.tgt)
    return out


def test_votes_union_majority_intersection():
    runs = {
        "embedding": _scored("[0]:[0]", "[1]:[1,2]", "[2]:[3]"),
        "lexical": _scored("[0]:[0]", "[1]:[1]", "[]:[2]", "[2]:[3]"),
        "length": _scored("[0]:[0]", "[1]:[1,2]", "[2]:[]", "[]:[3]"),
    }
    majority = combine(runs, resolve_min_votes("majority", None, 3), 4)
    assert [v.bead for v in majority] == [_b("[0]:[0]"), _b("[1]:[1,2]"), _b("[2]:[3]")]
    assert majority[1].costs == {"embedding": 0.5, "length": 0.5}
    union = combine(runs, resolve_min_votes("union", None, 3), 4)
    assert [v.bead for v in union] == [v.bead for v in majority]
    everyone = combine(runs, resolve_min_votes("intersection", None, 3), 4)
    assert [v.bead for v in everyone] == [_b("[0]:[0]")] and everyone[0].votes == 3


def test_union_fills_what_one_aligner_alone_proposes():
    runs = {"a": _scored("[0]:[0]", "[1]:[1]"), "b": _scored("[0]:[0]", "[1]:[]", "[]:[1]")}
    assert [v.bead for v in combine(runs, 1, 2)] == [_b("[0]:[0]"), _b("[1]:[1]")]
    assert [v.bead for v in combine(runs, 2, 2)] == [_b("[0]:[0]")]


def test_a_deletion_needs_one_vote_more_than_a_link():
    # Two of three aligners delete target 1: a majority for a link, not for a deletion.
    deleting = _scored("[0]:[0]", "[]:[1]", "[1]:[2]")
    runs = {"a": deleting, "b": deleting, "c": _scored("[0]:[0,1]", "[1]:[2]")}
    assert [v.bead for v in combine(runs, 2, 3)] == [_b("[0]:[0]"), _b("[1]:[2]")]
    runs["c"] = deleting
    assert [v.bead for v in combine(runs, 3, 3)] == [_b("[0]:[0]"), _b("[]:[1]"), _b("[1]:[2]")]
