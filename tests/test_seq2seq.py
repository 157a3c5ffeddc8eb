"""lrtk tune / generate / eval on encoder–decoder models (tiny random mT5 and mBART built here).

Data: TICO-19 en-bn. Translation pairs are English -> Bengali lines; a "summary" record is
four consecutive Bengali lines, the first being the summary of the other three (a
stand-in for lead-sentence news summaries: the summary is not in the text, so lead-k
cannot copy it and an abstractive model has to generate it).
"""

from __future__ import annotations

import json
import unicodedata

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("adapters")

from encoder_models import model_builder, tico  # noqa: E402
from tiny_models import one_thread  # noqa: E402

one_thread()

METHODS = ("seq_bn", "seq_bn_inv", "lora", "full")


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def summaries(n: int, start: int = 0) -> list[dict]:
    bn = tico("bn")
    return [{"id": f"tico-{i}", "text": " ".join(bn[4 * i + 1:4 * i + 4]), "summary": bn[4 * i]}
            for i in range(start, start + n)]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("seq2seq")
    en, bn = tico("en", 260), tico("bn", 260)
    return {"root": root, "models": model_builder(root),
            "pairs": write_jsonl(root / "pairs.jsonl",
                                 [{"src": a, "tgt": b} for a, b in zip(en[:220], bn[:220])]),
            "pairs_eval": write_jsonl(root / "pairs.eval.jsonl",
                                      [{"src": a, "tgt": b} for a, b in zip(en[220:], bn[220:])]),
            "docs": write_jsonl(root / "docs.jsonl", summaries(4))}


def _tune(data, family, out, **kw):
    from lrtk.tune import TuneConfig, tune

    settings = dict(model=str(data["models"](family)), train=str(data["pairs"]),
                    eval=str(data["pairs_eval"]), output=str(out), steps=12, batch_size=8,
                    lr=1e-2, max_length=48, reduction_factor=4, schedule="constant", seed=3)
    settings.update(kw)
    return tune(TuneConfig(**settings))


def _logits(model, tokenizer, src, tgt):
    enc = tokenizer([src], return_tensors="pt")
    labels = tokenizer(text_target=[tgt], return_tensors="pt")["input_ids"]
    with torch.no_grad():
        return model(**enc, decoder_input_ids=model.prepare_decoder_input_ids_from_labels(
            labels=labels)).logits


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("family", ["mt5", "mbart"])
def test_each_method_trains_what_it_should_and_reloads(data, tmp_path, family, method):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from lrtk.tune import load_merged, load_tuned
    from lrtk.tune.methods import is_adapter_parameter
    from lrtk.tune.run import ADAPTER
    from lrtk.tune.seq2seq import set_languages

    lr = 1e-3 if method == "full" else 1e-2
    result = _tune(data, family, tmp_path / "out", method=method, lr=lr,
                   lora_targets=("q", "v", "intermediate"))
    # Held-out loss (token mean over 40 unseen pairs, float noise ~1e-6): 12 steps take a
    # random mT5 from ~23 to ~15, a random mBART (uniform, ln 827 = 6.72) down by ~0.1
    # with adapters, ~0.6 fully.
    assert result.final_eval_loss < result.initial_eval_loss - 0.02
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["objective"] == "seq2seq"
    trained = {n for n, p in result.model.named_parameters() if p.requires_grad}
    base = AutoModelForSeq2SeqLM.from_pretrained(data["models"](family))
    tokenizer = AutoTokenizer.from_pretrained(data["models"](family))
    set_languages(tokenizer, None, None)  # mBART: the target code defaults to the source's
    if method == "full":
        assert sorted(p.name for p in (tmp_path / "out").iterdir()) == \
            [".lrtk-output", "merged", "metrics.jsonl", "report.json"]
        assert len(trained) == len(list(base.parameters()))
        reloaded, _ = load_merged(result.merged_dir)
    else:
        assert (tmp_path / "out" / "adapter" / "adapter_config.json").is_file()
        assert trained and all(is_adapter_parameter(n, ADAPTER) for n in trained)
        reloaded, _ = load_tuned(data["models"](family), [result.adapter_dir])
    src, tgt = tico("en")[250], tico("bn")[250]
    torch.testing.assert_close(_logits(reloaded, tokenizer, src, tgt),
                               _logits(result.model, tokenizer, src, tgt), atol=1e-5, rtol=0)
    assert not torch.allclose(_logits(base.eval(), tokenizer, src, tgt),
                              _logits(reloaded, tokenizer, src, tgt), atol=1e-3)


def test_loss_is_on_the_target_only_and_decoder_reads_it_shifted(data):
    """The encoder gets the source; labels are the target tokens alone (every one of them,
    none ignored); the decoder input is the target shifted right: T5 starts from pad (its
    decoder_start_token_id), mBART-cc25 from the language code that ends the target."""
    from transformers import AutoModelForSeq2SeqLM

    from lrtk.io.hf_model import load_hf_tokenizer
    from lrtk.train.loss import IGNORE
    from lrtk.tune.examples import Collator, build_examples
    from lrtk.tune.seq2seq import set_languages

    for family in ("mt5", "mbart"):
        folder = data["models"](family)
        tok = load_hf_tokenizer(folder)
        set_languages(tok, None, None)
        model = AutoModelForSeq2SeqLM.from_pretrained(folder)
        (ex, *_) = build_examples(str(data["docs"]), tok, objective="seq2seq", max_length=200)
        doc = summaries(1)[0]
        assert ex.input_ids == tok(doc["text"])["input_ids"]
        assert ex.labels == tok(text_target=doc["summary"])["input_ids"]
        assert IGNORE not in ex.labels
        batch = Collator(tok, objective="seq2seq", seed=0,
                         decoder_inputs=model.prepare_decoder_input_ids_from_labels)([ex], 1)
        dec, labels = batch["decoder_input_ids"][0].tolist(), batch["labels"][0].tolist()
        start = model.config.decoder_start_token_id if family == "mt5" else labels[-1]
        assert dec == [start] + labels[:-1]
        if family == "mbart":
            assert labels[-2:] == [tok.eos_token_id, tok.convert_tokens_to_ids("en_XX")]


def test_cli_seed_makes_runs_identical(data, run_cli, tmp_path):
    args = ["tune", "--model", data["models"]("mt5"), "--train", data["pairs"], "--eval",
            data["pairs_eval"], "--method", "lora", "--steps", "4", "--lr", "1e-2",
            "--ctx", "32"]
    weights = {}
    for name, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        code, out, err = run_cli(*args, "--seed", seed, "-o", tmp_path / name)
        assert code == 0, err
        assert "lora on mt5 (seq2seq)" in err and "held-out loss" in err
        weights[name] = (tmp_path / name / "adapter" / "adapter.safetensors").read_bytes()
    assert weights["a"] == weights["b"] != weights["c"]


@pytest.fixture(scope="module")
def memorised(data, tmp_path_factory):
    """mT5 and mBART fully fine-tuned on the four summary records until they reproduce them:
    what generation and eval must then give back exactly."""
    out = {}
    # mBART at 3e-3 learns them well enough for greedy search, but beam search then still
    # finds another record's summary likelier for one document.
    for family, lr in (("mt5", 3e-3), ("mbart", 1e-2)):
        result = _tune(data, family, tmp_path_factory.mktemp(family) / "out", method="full",
                       train=str(data["docs"]), eval=str(data["docs"]), steps=60,
                       batch_size=4, lr=lr, max_length=64, seed=0)
        out[family] = result.merged_dir
    return out


def nfkc(text: str) -> str:
    # The sentencepiece normaliser of these tokenizers is NFKC: what comes back is the
    # summary in that form.
    return unicodedata.normalize("NFKC", text)


@pytest.mark.parametrize("family", ["mt5", "mbart"])
def test_generate_greedy_and_beam_give_back_the_learnt_summaries(data, memorised, run_cli,
                                                                 tmp_path, family):
    wanted = [nfkc(r["summary"]) for r in summaries(4)]
    outputs = {}
    for beams in ("1", "3"):
        out = tmp_path / f"beams{beams}.jsonl"
        code, _, err = run_cli("generate", data["docs"], "--model", memorised[family],
                               "--num-beams", beams, "--max-new-tokens", "48", "--device",
                               "cpu", "-o", out)
        assert code == 0, err
        recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in recs] == [f"tico-{i}" for i in range(4)]
        outputs[beams] = [nfkc(r["output"]) for r in recs]
    assert outputs["1"] == wanted
    assert outputs["3"] == wanted


def test_eval_model_and_extractive_summaries_side_by_side(data, memorised, run_cli, tmp_path):
    """The memorised mT5 against lead-1 and lead-2 from `lrtk summarize` (its JSONL read as
    it is) in one table: the model gives the summaries back (ROUGE 100), lead-k copies
    sentences that are not the summary."""
    from lrtk.evaluate import Rouge

    docs = data["docs"]
    for k in ("1", "2"):
        code, _, err = run_cli("summarize", docs, "--method", "lead", "-k", k, "--lang", "bn",
                               "-o", tmp_path / f"lead{k}.jsonl")
        assert code == 0, err
    code, out, err = run_cli("eval", "--metric", "rouge1,rougeL", "--model", memorised["mt5"],
                             "--test", docs, "--tgt-lang", "bn", "--device", "cpu",
                             "--hyp", f"lead1={tmp_path / 'lead1.jsonl'}",
                             "--hyp", f"lead2={tmp_path / 'lead2.jsonl'}", "--json",
                             "--markdown", tmp_path / "table.md")
    assert code == 0, err
    scores = json.loads(out)
    assert list(scores) == ["merged", "lead1", "lead2"]
    assert scores["merged"]["rouge1"]["score"] == pytest.approx(100.0)
    refs = [[r["summary"] for r in summaries(4)]]
    for k in ("1", "2"):
        lead = [json.loads(line)["summary"]
                for line in (tmp_path / f"lead{k}.jsonl").read_text().splitlines()]
        assert scores[f"lead{k}"]["rouge1"]["score"] == pytest.approx(
            Rouge("rouge1").score(lead, refs).score, abs=1e-3)
        assert scores[f"lead{k}"]["rouge1"]["score"] < 60
    table = (tmp_path / "table.md").read_text().splitlines()
    assert table[0].startswith("| metric | merged | lead1 | lead2 |")
    assert table[2].startswith("| rouge1 | 100.00 |")


def test_rouge_words_on_bengali_and_urdu_sentence_ends():
    """The Bengali danda and the Urdu full stop (U+06D4) end a sentence, not a word; a
    summary ending with one still matches its words."""
    from lrtk.evaluate import Rouge, UnicodeWordTokenizer

    tok = UnicodeWordTokenizer()
    assert tok.tokenize("আমার জ্বর।") == ["আমার", "জ্বর"]
    assert tok.tokenize("مجھے بخار ہے۔") == ["مجھے", "بخار", "ہے"]
    assert Rouge("rouge1").score(["مجھے بخار ہے"], [["مجھے بخار ہے۔"]]).score == \
        pytest.approx(100.0)
