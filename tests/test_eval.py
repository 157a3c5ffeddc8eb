"""lrtk eval: sacrebleu metrics with signatures, Unicode ROUGE, bootstrap, offline spm, CLI."""

from __future__ import annotations

import json

import pytest
import sacrebleu

from lrtk.errors import UsageError
from lrtk.evaluate import (Bleu, Chrf, ChrfPlusPlus, Rouge, Ter, UnicodeWordTokenizer,
                           build_metrics, paired_bootstrap, parse_metric_names)


def tico(shared, pair: str, side: str, n: int = 200) -> list[str]:
    path = shared("tico19", pair, f"tico19-test.{side}")
    return path.read_text(encoding="utf-8").splitlines()[:n]


# --- ROUGE on Bengali and Urdu --------------------------------------------------------------

def test_default_rouge_tokenizer_scores_bengali_zero_ours_does_not(shared):
    from rouge_score import rouge_scorer

    ref = tico(shared, "en-bn", "bn", 1)[0]
    default = rouge_scorer.RougeScorer(["rouge1"]).score(ref, ref)["rouge1"].fmeasure
    assert default == 0.0  # the bug: no a-z/0-9 tokens, so a perfect output scores 0
    assert Rouge("rouge1").score([ref], [[ref]]).score == pytest.approx(100.0)


def test_tokenizer_keeps_vowel_signs_and_virama_inside_words():
    tok = UnicodeWordTokenizer()
    # লক্ষণগুলি has a virama (U+09CD) and vowel signs: Python's re `\w` would split it.
    assert tok.tokenize("এই লক্ষণগুলি চলছে?") == ["এই", "লক্ষণগুলি", "চলছে"]
    assert tok.tokenize("یہ علامات، جاری ہیں؟") == ["یہ", "علامات", "جاری", "ہیں"]
    # Decomposed য় (U+09AF U+09BC) equals the precomposed U+09DF after NFC.
    assert tok.tokenize("\u09af\u09bc") == tok.tokenize("\u09df")


def test_rouge_bengali_matches_hand_computed_values(shared):
    # Reference: TICO-19 en-bn line 1, 6 words. Hypothesis: 4 of them, in order.
    ref = tico(shared, "en-bn", "bn", 1)[0]
    assert ref == "আনুমানিক কতদিন ধরে এই লক্ষণগুলি চলছে?"
    hyp = "কতদিন ধরে লক্ষণগুলি চলছে"
    # R1: P=4/4, R=4/6 -> F=0.8. R2: 2 of 3 hyp bigrams in 5 ref bigrams -> P=2/3, R=2/5,
    # F=0.5. RL: LCS=4 -> same as R1.
    expected = {"rouge1": 80.0, "rouge2": 50.0, "rougeL": 80.0}
    for name, value in expected.items():
        assert Rouge(name).score([hyp], [[ref]]).score == pytest.approx(value)


def test_rouge_urdu_matches_hand_computed_values(shared):
    ref = tico(shared, "en-ur", "ur", 1)[0]
    assert ref == "یہ علامات کتنے عرصے سے جاری ہیں؟"  # 7 words once ؟ is dropped
    hyp = "یہ علامات جاری ہیں"
    # R1: P=1, R=4/7 -> F=8/11. R2: 2 of 3 hyp bigrams among 6 -> P=2/3, R=1/3, F=4/9.
    expected = {"rouge1": 800 / 11, "rouge2": 400 / 9, "rougeL": 800 / 11}
    for name, value in expected.items():
        result = Rouge(name).score([hyp], [[ref]])
        assert result.score == pytest.approx(value)
        assert "tok:unicode-nfc-casefold" in result.signature


def test_rouge_multi_reference_takes_best_reference(shared):
    bn = tico(shared, "en-bn", "bn", 3)
    result = Rouge("rouge1").score([bn[1]], [[bn[0]], [bn[1]]], sentences=True)
    assert result.sentences == [pytest.approx(100.0)]
    assert "nrefs:2" in result.signature


# --- sacrebleu metrics ----------------------------------------------------------------------

@pytest.mark.parametrize("ours, theirs", [
    (Bleu, sacrebleu.corpus_bleu),
    (Chrf, sacrebleu.corpus_chrf),
    (Ter, sacrebleu.corpus_ter),
])
def test_corpus_scores_equal_sacrebleu(shared, ours, theirs):
    hyp, ref = tico(shared, "en-ur", "en"), tico(shared, "en-ne", "en")
    assert ours().score(hyp, [ref]).score == pytest.approx(theirs(hyp, [ref]).score)


def test_chrf_plus_plus_uses_word_ngrams(shared):
    hyp, ref = tico(shared, "en-ur", "en"), tico(shared, "en-bn", "en")
    result = ChrfPlusPlus().score(hyp, [ref])
    assert "nw:2" in result.signature
    assert result.score == pytest.approx(sacrebleu.corpus_chrf(hyp, [ref], word_order=2).score)


def test_multiple_references_and_sentence_scores(shared):
    # en-ur's English side differs from en-ne's on some lines; with both as references,
    # each en-ur line has an exact match, so BLEU becomes 100.
    ur_en, ne_en = tico(shared, "en-ur", "en"), tico(shared, "en-ne", "en")
    differing = [i for i, (a, b) in enumerate(zip(ur_en, ne_en)) if a != b]
    assert differing, "the two English sides should differ somewhere in the first 200 lines"
    one = Bleu().score(ur_en, [ne_en], sentences=True)
    two = Bleu().score(ur_en, [ne_en, ur_en], sentences=True)
    assert one.score < 100.0 and two.score == pytest.approx(100.0)
    assert "nrefs:2" in two.signature and "nrefs:1" in one.signature
    assert len(one.sentences) == len(ur_en)
    assert all(one.sentences[i] == pytest.approx(100.0) for i in range(len(ur_en))
               if i not in differing)
    assert min(one.sentences[i] for i in differing) < 100.0


def test_metric_names_expand_and_reject_unknown():
    assert parse_metric_names("bleu, rouge,chrF++") == ["bleu", "rouge1", "rouge2", "rougeL",
                                                        "chrf++"]
    with pytest.raises(UsageError, match="unknown metric 'meteor'"):
        parse_metric_names("bleu,meteor")


# --- paired bootstrap -----------------------------------------------------------------------

def test_paired_bootstrap_separates_a_better_system_and_is_seeded(shared):
    ref = tico(shared, "en-ne", "en")
    good = tico(shared, "en-ur", "en")               # almost the reference
    bad = [" ".join(line.split()[::-1]) for line in good]   # words reversed
    metrics = build_metrics(["bleu", "chrf"])
    a = paired_bootstrap(metrics, good, bad, [ref], n_samples=200, seed=7)
    b = paired_bootstrap(metrics, good, bad, [ref], n_samples=200, seed=7)
    assert a == b
    assert a["bleu"]["system"]["score"] > a["bleu"]["baseline"]["score"]
    assert a["bleu"]["p_value"] < 0.05 and a["chrf"]["p_value"] < 0.05
    assert "bs:200" in a["bleu"]["signature"] and "seed:7" in a["bleu"]["signature"]
    # One line changed out of 200 is no significant difference.
    close = [bad[0]] + good[1:]
    assert paired_bootstrap(metrics, good, close, [ref], n_samples=200, seed=7)["bleu"][
        "p_value"] > 0.05


def test_paired_bootstrap_refuses_rouge():
    with pytest.raises(UsageError, match="sacrebleu metrics only"):
        paired_bootstrap(build_metrics(["rouge1"]), ["a"], ["b"], [["a"]])


# --- offline sentencepiece tokenizers -------------------------------------------------------

def test_flores200_refuses_without_local_model(monkeypatch, tmp_path):
    from sacrebleu.tokenizers import tokenizer_spm

    monkeypatch.setattr(tokenizer_spm, "SACREBLEU_DIR", str(tmp_path))
    with pytest.raises(UsageError, match="pass spm_model FILE"):  # the parameter's name
        Bleu(tokenize="flores200")


def test_flores200_from_local_model_file(shared, tmp_path, monkeypatch):
    import sentencepiece as spm
    from sacrebleu.tokenizers import tokenizer_spm

    monkeypatch.setattr(tokenizer_spm, "SACREBLEU_DIR", str(tmp_path))  # no cached model
    text = tico(shared, "en-bn", "bn", 600)
    spm.SentencePieceTrainer.train(sentence_iterator=iter(text), model_prefix=str(tmp_path / "m"),
                                   vocab_size=300, model_type="unigram", minloglevel=2)
    bleu = Bleu(tokenize="flores200", spm_model=str(tmp_path / "m.model"))
    hyp, ref = text[:50], text[1:51]
    result = bleu.score(hyp, [ref])
    assert "tok:flores200" in result.signature
    # Subword tokens match more often than whole words: spm BLEU beats 13a on shifted lines.
    assert result.score > Bleu().score(hyp, [ref]).score
    assert bleu.score(hyp, [hyp]).score == pytest.approx(100.0)


# --- command line ---------------------------------------------------------------------------

def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_cli_json_keyed_by_metric(shared, tmp_path, run_cli):
    hyp = write_lines(tmp_path / "hyp.txt", tico(shared, "en-ur", "ur", 100))
    ref = write_lines(tmp_path / "ref.txt", tico(shared, "en-ur", "ur", 101)[1:])
    code, out, err = run_cli("eval", "--metric", "bleu,chrf,rouge", "--hyp", hyp, "--ref", ref,
                             "--tgt-lang", "ur", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["bleu", "chrf", "rouge1", "rouge2", "rougeL"]
    assert 0 < data["rouge1"]["score"] < 100  # shifted Urdu lines still share words
    assert data["chrf"]["signature"].startswith("nrefs:1|")
    assert "| rouge1 |" in err


def test_cli_retired_lang_still_works_with_one_warning(shared, tmp_path, run_cli):
    hyp = write_lines(tmp_path / "hyp.txt", tico(shared, "en-ur", "ur", 20))
    ref = write_lines(tmp_path / "ref.txt", tico(shared, "en-ur", "ur", 21)[1:])
    args = ("eval", "--metric", "bleu", "--tokenize", "intl", "--hyp", hyp, "--ref", ref, "--json")
    code, out, err = run_cli(*args, "--tgt-lang", "ur")
    assert code == 0 and "deprecated" not in err, err
    for old in ("--lang", "-l"):
        code, out_old, err = run_cli(*args, old, "ur")
        assert code == 0 and out_old == out
        assert [line for line in err.splitlines() if "deprecated" in line] == [
            f"lrtk: warning: {old} is deprecated, use --tgt-lang"]


def test_cli_line_count_mismatch_is_one_error_line(shared, tmp_path, run_cli):
    hyp = write_lines(tmp_path / "hyp.txt", tico(shared, "en-ur", "ur", 10))
    ref = write_lines(tmp_path / "ref.txt", tico(shared, "en-ur", "ur", 9))
    code, out, err = run_cli("eval", "--hyp", hyp, "--ref", ref)
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [
        f"lrtk: error: {hyp} has 10 lines but {ref} has 9 "
        "(one segment per line, hypothesis and references aligned)"]


def test_cli_baseline_sentence_scores_and_report(shared, tmp_path, run_cli):
    ref = write_lines(tmp_path / "ref.txt", tico(shared, "en-ne", "en", 100))
    good = tico(shared, "en-ur", "en", 100)
    hyp = write_lines(tmp_path / "hyp.txt", good)
    base = write_lines(tmp_path / "base.txt", [" ".join(g.split()[:3]) for g in good])
    args = ("eval", "--metric", "bleu,ter", "--hyp", hyp, "--ref", ref, "--baseline", base,
            "--bootstrap", "100", "--sentence-scores", tmp_path / "seg.jsonl",
            "--report", tmp_path / "r.json", "--markdown", tmp_path / "r.md", "--json")
    code, out, err = run_cli(*args)
    assert code == 0, err
    data = json.loads(out)
    assert data == json.loads((tmp_path / "r.json").read_text())
    assert data["bleu"]["paired_bootstrap"]["p_value"] < 0.05
    assert data["ter"]["paired_bootstrap"]["baseline"]["score"] > data["ter"]["score"]
    segments = [json.loads(line) for line in (tmp_path / "seg.jsonl").read_text().splitlines()]
    assert len(segments) == 100 and set(segments[0]) == {"line", "bleu", "ter"}
    assert "p-value" in (tmp_path / "r.md").read_text()
    # The default seed, 0, seeds the resampling as any other does: same numbers again, and
    # another seed draws other samples.
    assert data["bleu"]["paired_bootstrap"]["seed"] == 0
    assert run_cli(*args)[1] == out
    other = json.loads(run_cli(*args, "--seed", "1")[1])
    assert other["bleu"]["paired_bootstrap"]["system"]["mean"] != \
        data["bleu"]["paired_bootstrap"]["system"]["mean"]


def test_cli_offline_tokenizer_refusal_is_usage_error(tmp_path, run_cli, monkeypatch):
    monkeypatch.setenv("SACREBLEU", str(tmp_path))
    from sacrebleu.tokenizers import tokenizer_spm

    monkeypatch.setattr(tokenizer_spm, "SACREBLEU_DIR", str(tmp_path))
    hyp = write_lines(tmp_path / "h.txt", ["a"])
    code, _, err = run_cli("eval", "--hyp", hyp, "--ref", hyp, "--tokenize", "flores200")
    assert code == 2
    assert "lrtk works offline" in err and len(err.strip().splitlines()) == 1
