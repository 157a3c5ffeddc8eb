"""Task adapters on encoders: lrtk tune --task classify|ner and lrtk eval --task, with
language adapters stacked under them and swapped for zero-shot transfer.

Models: tiny random BERT (WordPiece) and XLM-R (sentencepiece, widened: see
encoder_models.widened) folders built here, with tokenizers trained on TICO-19 bn + en.
Labels come from what the data carries:
- classify: TICO-19 lines labelled with their language (bn or en). Topics (FLORES
  `doc_id`s) were tried first: a random tiny encoder does not learn them in tens of steps,
  the held-out loss stays at chance, so they cannot show that training works;
- ner: TICO-19 English lines with a number, split on spaces; a token that is a number
  (digits with . , % : / -) is B-NUM (I-NUM when it follows another number), the rest O.
The span scorer is checked on hand-made cases with known answers; end to end, only that
training lowers the held-out loss far beyond float noise and that the pieces (head,
labels, stacking, swapping) are what they should be: a random tiny encoder learns little
in a few steps.
"""

from __future__ import annotations

import json
import re

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("adapters")

from encoder_models import model_builder, tico, widened  # noqa: E402
from tiny_models import one_thread  # noqa: E402

one_thread()

NUMBER = re.compile(r"^[\d.,%:/-]*\d[\d.,%:/-]*$")


# --- span F1, accuracy, macro-F1 on hand-made cases ------------------------------------------

def test_bio_spans_read_tags_as_conlleval_does():
    from lrtk.evaluate.tasks import bio_spans

    assert bio_spans(["B-PER", "I-PER", "O", "B-LOC"]) == {("PER", 0, 2), ("LOC", 3, 4)}
    assert bio_spans(["O", "I-PER", "I-PER"]) == {("PER", 1, 3)}        # I- opens a span
    assert bio_spans(["B-PER", "I-LOC"]) == {("PER", 0, 1), ("LOC", 1, 2)}  # type change
    assert bio_spans(["B-PER", "B-PER"]) == {("PER", 0, 1), ("PER", 1, 2)}
    assert bio_spans(["O", "O"]) == set()


def test_span_f1_counts_only_exact_type_and_boundaries():
    from lrtk.evaluate.tasks import span_f1

    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    assert span_f1(gold, gold)["f1"] == pytest.approx(100.0)
    # Sentence 1: PER cut short (wrong), LOC right; sentence 2: ORG typed as LOC (wrong) and
    # a spurious PER. Correct 1, predicted 4, gold 3: P = 25, R = 33.3, F1 = 28.57.
    pred = [["B-PER", "O", "O", "B-LOC"], ["B-LOC", "B-PER"]]
    scores = span_f1(gold, pred)
    assert (scores["correct"], scores["predicted"], scores["gold"]) == (1, 4, 3)
    assert scores["precision"] == pytest.approx(25.0)
    assert scores["recall"] == pytest.approx(100 / 3)
    assert scores["f1"] == pytest.approx(2 * 0.25 * (1 / 3) / (0.25 + 1 / 3) * 100)
    assert span_f1([["O"]], [["O"]])["f1"] == 0.0  # nothing to find, nothing found


def test_accuracy_and_macro_f1():
    from lrtk.evaluate.tasks import accuracy, macro_f1

    gold, pred = ["a", "a", "b", "c"], ["a", "b", "b", "c"]
    assert accuracy(gold, pred) == pytest.approx(75.0)
    # a: P 1, R 1/2 -> 2/3; b: P 1/2, R 1 -> 2/3; c: 1. Mean 7/9.
    assert macro_f1(gold, pred) == pytest.approx(700 / 9)


# --- data and models -------------------------------------------------------------------------

def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def ner_record(line: str) -> dict:
    tokens, tags = line.split(), []
    for token in tokens:
        if NUMBER.match(token):
            tags.append("I-NUM" if tags and tags[-1].endswith("NUM") else "B-NUM")
        else:
            tags.append("O")
    return {"tokens": tokens, "tags": tags}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("tasks")
    bn, en = tico("bn"), tico("en")

    def by_language(start, stop):
        return [{"text": x, "label": "bn"} for x in bn[start:stop]] + \
            [{"text": x, "label": "en"} for x in en[start + 200:stop + 200]]
    lines = [line for line in en if any(NUMBER.match(t) for t in line.split())]
    (root / "en.txt").write_text("\n".join(en[:300]) + "\n", encoding="utf-8")
    (root / "bn.txt").write_text("\n".join(bn[:300]) + "\n", encoding="utf-8")
    models = model_builder(root)
    return {"root": root, "models": models,
            "xlmr": widened(models("xlm-roberta"), root / "xlmr-wide"),
            "classify": write_jsonl(root / "lid.train.jsonl", by_language(1000, 1120)),
            "classify_test": write_jsonl(root / "lid.test.jsonl", by_language(1500, 1530)),
            "ner": write_jsonl(root / "ner.train.jsonl", [ner_record(x) for x in lines[:200]]),
            "ner_test": write_jsonl(root / "ner.test.jsonl",
                                    [ner_record(x) for x in lines[200:260]])}


def _tune(data, model, out, **kw):
    from lrtk.tune import TuneConfig, tune

    settings = dict(model=str(model), output=str(out), steps=25,
                    batch_size=8, lr=5e-3, max_length=64, reduction_factor=4,
                    schedule="constant", seed=1)
    settings.update(kw)
    return tune(TuneConfig(**settings))


@pytest.fixture(scope="module")
def language_adapters(data, tmp_path_factory):
    """Masked-LM language adapters (MAD-X's invertible bottleneck) on English and Bengali
    TICO-19 text, for the XLM-R model."""
    root = tmp_path_factory.mktemp("lang")
    return {lang: _tune(data, data["xlmr"], root / lang, train=str(data["root"] / f"{lang}.txt"),
                        method="seq_bn_inv", steps=6, lr=1e-3).adapter_dir
            for lang in ("en", "bn")}


def test_first_subword_carries_each_word_tag(data):
    from lrtk.io.hf_model import load_hf_tokenizer
    from lrtk.train.loss import IGNORE
    from lrtk.tune.tasks import read_task_records, task_examples

    tok = load_hf_tokenizer(data["models"]("bert"))
    records = read_task_records(str(data["ner"]), "ner")
    labels = ["B-NUM", "I-NUM", "O"]
    for rec, ex in zip(records[:20], task_examples(records[:20], tok, "ner", labels, 512)):
        enc = tok(rec["tokens"], is_split_into_words=True)
        words = enc.word_ids()
        first = [i for i, w in enumerate(words) if w is not None and (i == 0 or words[i - 1] != w)]
        assert [labels[ex.labels[i]] for i in first] == rec["tags"]
        assert all(ex.labels[i] == IGNORE for i in range(len(words)) if i not in first)


def test_classify_adapter_stacked_on_a_language_adapter_and_swapped(data, language_adapters,
                                                                    run_cli, tmp_path):
    from safetensors.torch import load_file

    from lrtk.tune import load_tuned
    from lrtk.tune.run import LANGUAGE
    from lrtk.tune.tasks import load_task_adapter

    result = _tune(data, data["xlmr"], tmp_path / "lid", task="classify",
                   train=str(data["classify"]), eval=str(data["classify_test"]),
                   method="lora", lr=1e-2, lora_targets=("q", "v", "intermediate"),
                   language_adapter=str(language_adapters["en"]))
    # Held-out cross-entropy over 60 lines, ~0.77 at the start: 25 steps take it below
    # 0.4 (float noise is ~1e-6).
    assert result.final_eval_loss < result.initial_eval_loss - 0.3
    adapter = result.adapter_dir
    note = json.loads((adapter / "lrtk_task.json").read_text())
    assert note["labels"] == ["bn", "en"] and note["task"] == "classify"
    assert note["language_adapter"] == str(language_adapters["en"].resolve())
    head = load_file(str(adapter / "lrtk_head.safetensors"))
    assert sorted(head) == ["classifier.dense.bias", "classifier.dense.weight",
                            "classifier.out_proj.bias", "classifier.out_proj.weight"]
    # The language adapter stayed frozen under the task adapter: its weights are the saved
    # ones.
    live = {n: p for n, p in result.model.named_parameters() if LANGUAGE in n.split(".")}
    assert live and not any(p.requires_grad for p in live.values())
    reloaded, _ = load_tuned(data["xlmr"], [language_adapters["en"]])
    compared = 0
    for name, value in reloaded.named_parameters():
        if "adapter0" in name.split("."):
            assert torch.equal(value, live[name.replace("adapter0", LANGUAGE)]), name
            compared += 1
    assert compared == len(live)

    scores = {}
    for lang in ("default", "en", "bn"):
        extra = [] if lang == "default" else ["--language-adapter", language_adapters[lang]]
        code, out, err = run_cli("eval", "--task", "classify", "--model", data["xlmr"],
                                 "--adapter", adapter, "--test", data["classify_test"],
                                 "--json", *extra)
        assert code == 0, err
        scores[lang] = json.loads(out)
        assert list(scores[lang]) == ["accuracy", "macro_f1"]
    # Without --language-adapter the one it was trained on is used.
    assert scores["default"] == scores["en"]
    assert scores["en"]["accuracy"]["signature"] == "classify|adapter:lid|language:en|n:60"
    assert scores["bn"]["accuracy"]["signature"] == "classify|adapter:lid|language:bn|n:60"
    # Swapping the language adapter changes what the stacked model computes.
    logits = {}
    for lang in ("en", "bn"):
        model, tok, _ = load_task_adapter(data["xlmr"], adapter, language_adapters[lang])
        with torch.no_grad():
            logits[lang] = model(**tok(tico("bn", 3), return_tensors="pt",
                                       padding=True)).logits
    assert not torch.allclose(logits["en"], logits["bn"], atol=1e-4)


def test_ner_adapter_trains_and_reports_entity_f1(data, run_cli, tmp_path):
    out = tmp_path / "ner"
    code, _, err = run_cli("tune", "--model", data["models"]("bert"), "--task", "ner",
                           "--train", data["ner"], "--eval", data["ner_test"], "--method",
                           "lora", "--lora-targets", "q,v,intermediate", "--steps", "25",
                           "--lr", "5e-3", "--ctx", "64", "--seed", "2", "-o", out)
    assert code == 0, err
    report = json.loads((out / "report.json").read_text())
    assert report["labels"] == ["B-NUM", "I-NUM", "O"]
    # Token cross-entropy over 60 held-out lines: from ~1.1 (random head, 3 tags) down by
    # far more than float noise.
    assert report["final_eval_loss"] < report["initial_eval_loss"] - 0.1
    code, stdout, err = run_cli("eval", "--task", "ner", "--model", data["models"]("bert"),
                                "--adapter", out / "adapter", "--test", data["ner_test"],
                                "--json")
    assert code == 0, err
    scores = json.loads(stdout)
    assert list(scores) == ["entity_precision", "entity_recall", "entity_f1", "token_accuracy"]
    assert all(0 <= s["score"] <= 100 for s in scores.values())
    assert "| entity_f1 |" in err
