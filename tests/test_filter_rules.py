"""Each filter's score and keep decision, on real TICO-19 / Tatoeba lines."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import shared_path
from lrtk.errors import UsageError
from lrtk.filter import FILTERS, Pair
from lrtk.filter.margin import ratio_margin
from lrtk.parallel.plan import block_bounds, plan_shards


def tico(pair: str, name: str) -> list[str]:
    return shared_path("tico19", pair, f"tico19-test.{name}").read_text("utf-8").splitlines()


@pytest.fixture(scope="module")
def bn_en():
    return [Pair(s, t) for s, t in zip(tico("en-bn", "bn"), tico("en-bn", "en"))]


def make(name: str, src="bn", tgt="en", **opts):
    return FILTERS[name](src_lang=src, tgt_lang=tgt, **opts)


def kept_share(flt, pairs) -> float:
    return sum(flt.keep(s) for s in flt.score_all(pairs)) / len(pairs)


def test_every_rule_keeps_clean_tico_pairs(bn_en):
    for name in ("length", "length_ratio", "markup", "repetition", "script_ratio",
                 "non_native", "copy", "langid", "numerals", "duplicate"):
        assert kept_share(make(name), bn_en) >= 0.99, name


def test_script_ratio_and_langid_reject_nepali_and_urdu_targets(bn_en):
    ne, ur = tico("en-ne", "ne"), tico("en-ur", "ur")
    wrong = [Pair(p.src, t) for p, t in zip(bn_en[:200], ne[:100] + ur[100:200])]
    assert kept_share(make("script_ratio"), wrong) == 0.0
    # langid leaves lines under 10 letters to the script filter.
    assert kept_share(make("langid"), wrong) <= 0.05
    # Bengali in the English field: a copy of the source.
    copies = [Pair(p.src, p.src) for p in bn_en[:200]]
    assert kept_share(make("script_ratio"), copies) == 0.0
    assert kept_share(make("copy"), copies) == 0.0


def test_langid_tells_nepali_from_hindi_script_neighbours(bn_en):
    flt = make("langid", "ne", "en")
    ne = tico("en-ne", "ne")
    scores = flt.score_all([Pair(s, p.tgt) for s, p in zip(ne[:300], bn_en)])
    assert sum(flt.keep(s) for s in scores) >= 295
    assert flt.score(Pair("हेलो", "hi"))["src"] == 1.0  # too short to judge


def test_numerals_compare_across_digit_sets():
    flt = make("numerals")
    same = flt.score(Pair("২০২০ সালের ১৪ মার্চ", "14 March 2020"))
    assert same == {"agreement": 1.0} and flt.keep(same)
    other = flt.score(Pair("২০১৯ সালের ১৫ মার্চ", "14 March 2020"))
    assert other["agreement"] == 0.0 and not flt.keep(other)
    assert flt.score(Pair("কোন সংখ্যা নেই", "no numbers"))["agreement"] == 1.0


def test_length_ratio_catches_truncation(bn_en):
    flt = make("length_ratio")
    cut = [Pair(p.src, " ".join(p.tgt.split()[:max(1, len(p.tgt.split()) * 2 // 5)]))
           for p in bn_en if len(p.tgt.split()) >= 10]
    assert kept_share(flt, cut) <= 0.1


@pytest.fixture(scope="module")
def tatoeba():
    ben = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.ben").read_text("utf-8")
    eng = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.eng").read_text("utf-8")
    return [Pair(s, t) for s, t in zip(ben.splitlines(), eng.splitlines())]


def test_length_outlier_catches_short_cut_sentences_by_their_missing_end(tatoeba):
    # Tatoeba's sentences are a few words long: the target cut to its first word is too
    # close to the usual length ratio for the z-score alone, but it has lost the sentence
    # end its source keeps.
    flt = make("length_outlier")
    flt.fit(tatoeba)
    assert kept_share(flt, tatoeba) >= 0.99
    cut = [Pair(p.src, p.tgt.split()[0]) for p in tatoeba if len(p.tgt.split()) in (3, 4)]
    scores = flt.score_all(cut)
    near = [s for s in scores if abs(s["z"]) <= flt.max_z]  # what the z-score alone keeps
    assert len(near) >= 100 and all(s["cut"] == 1 for s in near)
    assert sum(map(flt.keep, near)) <= 0.2 * len(near)
    # The same lengths with both sentences ended are left to the z-score.
    assert flt.keep({**near[0], "cut": 0}) and flt.keep({**near[0], "cut": -1})


def test_length_outlier_ignores_a_final_mark_one_side_habitually_leaves_out(tatoeba):
    # Bengali written without the danda: an unended source is this corpus's habit, not a cut.
    habit = [Pair(p.src.rstrip("\u0964"), p.tgt) for p in tatoeba]
    flt = make("length_outlier")
    flt.fit(habit)
    assert flt.cut_sides == [1]
    assert kept_share(flt, habit) >= 0.99
    scores = flt.score_all([Pair(p.src, p.tgt.split()[0]) for p in habit
                            if len(p.tgt.split()) in (3, 4)])
    assert sum(s["cut"] == 1 for s in scores) >= 100  # a cut target is still evidence


def test_markup_repetition_and_non_native():
    markup = make("markup")
    assert not markup.keep(markup.score(Pair("<a href='x'>লিংক</a>", "https://example.org/a/b")))
    cites = Pair("সর্বশেষ পরামর্শের জন্য বিশ্ব স্বাস্থ্য সংস্থার ওয়েবসাইট who.int দেখুন",
                 "For the latest advice, see the World Health Organization at https://who.int")
    assert markup.keep(markup.score(cites))
    rep = make("repetition")
    assert rep.score(Pair("হা হা হা হা হা", "ha"))["src"] == 4  # "হা " four times, then "হা"
    assert not rep.keep(rep.score(Pair("হা হা হা হা হা", "ha")))
    nn = make("non_native")
    # Latin inside Bengali is fine for bn-en; a third script is not.
    assert nn.keep(nn.score(Pair("Wikimedia Foundation-এর কর্মী", "Wikimedia staff")))
    assert not nn.keep(nn.score(Pair("আমার নাম привет мир", "my name hello world")))


def test_duplicate_keeps_first_occurrence(bn_en):
    flt = make("duplicate")
    pairs = [bn_en[0], bn_en[1], bn_en[0], Pair(bn_en[1].src + " ", bn_en[1].tgt)]
    assert [flt.keep(s) for s in flt.score_all(pairs)] == [True, True, False, False]


def test_ratio_margin_by_hand():
    sim = np.array([[0.9, 0.5, 0.1],
                    [0.4, 0.8, 0.3],
                    [0.2, 0.6, 0.7]])
    # k=2: row 0 neighbours (0.9, 0.5), column 0 neighbours (0.9, 0.4).
    expected0 = 0.9 / (((0.9 + 0.5) / 2 + (0.9 + 0.4) / 2) / 2)
    assert ratio_margin(sim, 2)[0] == pytest.approx(expected0)
    # k larger than the batch is clipped to the batch.
    assert ratio_margin(sim, 10)[2] == pytest.approx(0.7 / ((1.5 / 3 + 1.1 / 3) / 2))


def test_blocks_are_consecutive_near_equal_ranges_and_shards_hold_whole_blocks():
    assert block_bounds(2500, 1000) == [(0, 834), (834, 1667), (1667, 2500)]
    shards = plan_shards(2500, 1000, 2)
    assert [(s.start, s.stop) for s in shards] == [(0, 1667), (1667, 2500)]
    assert [b for s in shards for b in s.blocks] == block_bounds(2500, 1000)
    # More shards than blocks: the extra shards are empty, at the end of the input.
    assert [(s.start, s.stop, s.blocks) for s in plan_shards(5, 10, 3)][1:] == \
        [(5, 5, ()), (5, 5, ())]


def test_lexical_similarity_prefers_true_translations(bn_en):
    from lrtk.filter.lexical import learn

    models = learn(bn_en[:1000])
    sim = models.similarity([p.src for p in bn_en[500:700]], [p.tgt for p in bn_en[500:700]])
    # The true translation is the most similar target for most sources.
    assert (sim.argmax(axis=1) == np.arange(200)).mean() >= 0.8
    assert models.pair_similarity(bn_en[500]) == pytest.approx(sim[0, 0], abs=1e-5)


def test_langid_rejects_languages_it_does_not_know():
    with pytest.raises(UsageError, match="py3langid does not know"):
        make("langid", "xx", "en")


@pytest.fixture(scope="module")
def held_out(bn_en):
    """300 true pairs from later TICO-19 documents, and the same sources shifted by one."""
    true = bn_en[1000:1300]
    shifted = [Pair(p.src, true[(i + 1) % len(true)].tgt) for i, p in enumerate(true)]
    return true, shifted


def test_lexical_filter_learns_from_seed_pairs(bn_en, held_out, tmp_path):
    import json

    seed = tmp_path / "seed.jsonl"
    seed.write_text("".join(json.dumps({"id": str(i), "src": p.src, "tgt": p.tgt},
                                       ensure_ascii=False) + "\n"
                            for i, p in enumerate(bn_en[:1000])), encoding="utf-8")
    flt = make("lexical", seed_pairs=str(seed))
    true, shifted = held_out
    assert kept_share(flt, true) >= 0.8
    assert kept_share(flt, shifted) <= 0.25


def test_margin_with_the_offline_embedder_separates_shifted_pairs(held_out):
    true, shifted = held_out
    flt = make("margin", embedder="offline")
    scores = flt.score_all(true[:150] + shifted[150:])
    margins = np.array([s["margin"] for s in scores])
    assert margins[:150].mean() > margins[150:].mean() + 0.3
    assert sum(flt.keep(s) for s in scores[150:]) <= 5
