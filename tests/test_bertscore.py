"""BERTScore on tiny random BERT (WordPiece) and XLM-R (sentencepiece) folders built here from
a config, with tokenizers trained on TICO-19 bn + en. The encoders are untrained, so only
structure is asserted: identity scores 1, P and R swap with the sides, several references
take the best, idf follows its formula; and, robust even for a random encoder because the
same tokens in nearly the same context embed nearly alike, a reference minus its last word
scores above an unrelated TICO-19 line (by at least 0.16 F1 on every one of 20 pairs here;
0.05 is asserted)."""

from __future__ import annotations

import json
import math

import pytest

torch = pytest.importorskip("torch")

from encoder_models import model_builder, tico  # noqa: E402
from tiny_models import one_thread  # noqa: E402

one_thread()

ENCODERS = ("bert", "xlm-roberta")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return model_builder(tmp_path_factory.mktemp("bertscore"))


def scorer(models, family, **kw):
    from lrtk.evaluate.bertscore import BertScorer

    return BertScorer(models(family), **kw)


@pytest.mark.parametrize("idf", [False, True])
@pytest.mark.parametrize("family", ENCODERS)
def test_identity_is_one_and_a_near_copy_beats_an_unrelated_line(models, family, idf):
    s = scorer(models, family, idf=idf)
    refs = tico("bn", 20)
    near = [" ".join(r.split()[:-1]) for r in refs]          # every line has 3+ words
    unrelated = tico("bn", 40)[20:]
    for p, r, f in s.scores(refs, [refs]):
        assert p == pytest.approx(1, abs=1e-5) and r == pytest.approx(1, abs=1e-5)
        assert f == pytest.approx(1, abs=1e-5)
    for (_, _, f_near), (_, _, f_other) in zip(s.scores(near, [refs]), s.scores(unrelated,
                                                                                 [refs])):
        assert f_near > f_other + 0.05
    # Dropping a word leaves every hypothesis token with a close match (P near 1) but one
    # reference word uncovered (R lower).
    for p, r, _ in s.scores(near, [refs]):
        assert p > r


def test_sides_swap_precision_and_recall_and_several_references_take_the_best(models):
    s = scorer(models, "bert")
    a, b = tico("bn", 10), tico("en", 10)
    forward, backward = s.scores(a, [b]), s.scores(b, [a])
    for (p1, r1, f1), (p2, r2, f2) in zip(forward, backward):
        assert p1 == pytest.approx(r2, abs=1e-6) and r1 == pytest.approx(p2, abs=1e-6)
        assert f1 == pytest.approx(f2, abs=1e-6)
    both = s.scores(a, [b, a])  # the second reference is the hypothesis itself
    assert all(f == pytest.approx(1, abs=1e-5) for _, _, f in both)


def test_idf_weights_follow_the_formula(models):
    s = scorer(models, "bert", idf=True)
    refs = [["জ্বর আছে", "জ্বর নেই", "কাশি আছে"]]
    weights = s._idf_weights(refs)
    fever = s.tokenizer("জ্বর", add_special_tokens=False)["input_ids"]
    cough = s.tokenizer("কাশি", add_special_tokens=False)["input_ids"]
    # M = 3 references: a token in 2 of them weighs log(4/3), in 1 of them log(4/2).
    assert all(weights[t] == pytest.approx(math.log(4 / 3)) for t in fever if t not in cough)
    assert all(weights[t] == pytest.approx(math.log(4 / 2)) for t in cough if t not in fever)
    assert weights["unseen"] == pytest.approx(math.log(4))


def test_cli_reports_p_r_f1_and_refuses_without_an_encoder(models, run_cli, tmp_path):
    refs = tico("bn", 12)
    (tmp_path / "ref.txt").write_text("\n".join(refs) + "\n", encoding="utf-8")
    (tmp_path / "hyp.txt").write_text("\n".join(refs) + "\n", encoding="utf-8")
    args = ["eval", "--metric", "bertscore,rouge1", "--hyp", tmp_path / "hyp.txt", "--ref",
            tmp_path / "ref.txt", "--json"]
    code, out, err = run_cli(*args, "--bertscore-model", models("xlm-roberta"), "--idf")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["bertscore_p", "bertscore_r", "bertscore_f1", "rouge1"]
    assert data["bertscore_f1"]["score"] == pytest.approx(100, abs=1e-3)
    assert "idf:yes" in data["bertscore_f1"]["signature"]

    code, out, err = run_cli(*args)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "lrtk: error: BERTScore needs a local encoder model (pass --bertscore-model DIR (a "
        "BERT/XLM-R folder, e.g. bert-base-multilingual-cased saved on disk))"]
    code, _, err = run_cli(*args, "--bertscore-model", models("mt5"))
    assert code == 2
    assert err.strip().splitlines()[0].startswith(
        f"lrtk: error: {models('mt5')}: --bertscore-model is a mt5 model, not an encoder")
    assert len(err.strip().splitlines()) == 1
