"""`lrtk tune`: each adapter method on each supported family, on real TICO-19 Bengali text."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("adapters")

from tiny_models import (TICO_BN, one_thread, save_tiny_model, train_spm,  # noqa: E402
                         write_text_jsonl)

one_thread()

FAMILIES = ("llama", "mistral", "qwen2", "gpt2", "bert", "xlm-roberta")
METHODS = ("seq_bn", "seq_bn_inv", "lora")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Tokenizer trained on TICO-19 bn, 240 training lines and 40 separate held-out lines."""
    from conftest import shared_path
    from lrtk.train.tokenizer import hf_tokenizer

    bn = shared_path(*TICO_BN)
    lines = bn.read_text(encoding="utf-8").splitlines()
    root = tmp_path_factory.mktemp("tune")
    spm_model = train_spm(bn, root / "bn")
    return {"root": root, "spm": spm_model, "tokenizer": hf_tokenizer(spm_model),
            "train": write_text_jsonl(lines[:240], root / "train.jsonl"),
            "eval": write_text_jsonl(lines[2000:2040], root / "eval.jsonl"),
            "lines": lines}


@pytest.fixture(scope="module")
def models(corpus):
    cache = {}

    def get(family):
        if family not in cache:
            cache[family] = save_tiny_model(family, corpus["tokenizer"],
                                            corpus["root"] / f"model-{family}")
        return cache[family]
    return get


def _tune(corpus, model_dir, out, **kw):
    from lrtk.tune import TuneConfig, tune

    settings = dict(model=str(model_dir), train=str(corpus["train"]), eval=str(corpus["eval"]),
                    output=str(out), steps=20, batch_size=8, lr=1e-2, max_length=48,
                    reduction_factor=4, schedule="constant", seed=3)
    settings.update(kw)
    return tune(TuneConfig(**settings))


def _logits(model, tokenizer, texts):
    batch = tokenizer(texts, return_tensors="pt", padding=True)
    with torch.no_grad():
        return model(input_ids=batch["input_ids"],
                     attention_mask=batch["attention_mask"]).logits


def _base_state(model_dir, masked):
    from transformers import AutoModelForCausalLM, AutoModelForMaskedLM

    cls = AutoModelForMaskedLM if masked else AutoModelForCausalLM
    return cls.from_pretrained(model_dir).state_dict()


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("family", FAMILIES)
def test_method_trains_only_adapter_and_reloads(corpus, models, tmp_path, family, method):
    from safetensors import safe_open

    from lrtk.tune import load_merged, load_tuned
    from lrtk.tune.methods import is_adapter_parameter
    from lrtk.tune.run import ADAPTER

    masked = family in ("bert", "xlm-roberta")
    model_dir = models(family)
    result = _tune(corpus, model_dir, tmp_path / "out", method=method, merge=True)
    assert result.final_eval_loss < result.initial_eval_loss - 0.02
    assert result.trainable_parameters == result.adapter_parameters > 0

    # Only adapter weights moved: the base (heads included, e.g. BERT's MLM transform and
    # Llama's untied lm_head, which train_adapter leaves trainable) is bit-identical.
    base = _base_state(model_dir, masked)
    tuned = result.model.state_dict()
    for name, value in base.items():
        assert torch.equal(tuned[name], value), name
    moved = [n for n, p in result.model.named_parameters()
             if is_adapter_parameter(n, ADAPTER) and p.abs().sum() > 0]
    assert moved

    # The saved adapter holds adapter weights only (no tied embedding / head), as safetensors.
    files = {p.name for p in result.adapter_dir.iterdir()}
    assert {"adapter.safetensors", "adapter_config.json"} <= files
    assert files <= {"adapter.safetensors", "adapter_config.json", "adapter_interface.json"}
    with safe_open(str(result.adapter_dir / "adapter.safetensors"), "pt") as fh:
        for key in fh.keys():
            assert len(corpus["tokenizer"]) not in fh.get_tensor(key).shape, key

    texts = corpus["lines"][2050:2054]
    want = _logits(result.model, corpus["tokenizer"], texts)
    reloaded, tok = load_tuned(model_dir, [result.adapter_dir])
    assert type(reloaded).__name__ == type(result.model).__name__
    assert torch.allclose(_logits(reloaded, tok, texts), want, atol=1e-6, rtol=0)

    merged, tok = load_merged(result.merged_dir)
    note = json.loads((result.merged_dir / "lrtk_merge.json").read_text())
    assert note["merged"] == (method == "lora")
    if method == "lora":
        assert not hasattr(merged, "adapters_config")  # a plain model `lrtk export` accepts
    assert torch.allclose(_logits(merged, tok, texts), want, atol=1e-5, rtol=0)


def test_bert_base_parameter_counts():
    """The paper's BERT-base counts, from the config alone (no weights, nothing downloaded)."""
    import adapters
    from transformers import BertConfig, BertForMaskedLM

    from lrtk.tune.methods import MethodSettings, adapter_parameter_count

    with torch.device("meta"):
        model = BertForMaskedLM(BertConfig())
    adapters.init(model)
    want = {"seq_bn": 894_528, "seq_bn_inv": 1_190_592, "lora": 294_912}
    for method, count in want.items():
        model.add_adapter(method, config=MethodSettings(method).adapter_config())
        assert adapter_parameter_count(model, method) == count, method


def test_continue_from_saved_adapter(corpus, models, tmp_path):
    """A curriculum stage starts exactly where the previous stage's saved adapter ended."""
    first = _tune(corpus, models("llama"), tmp_path / "a", method="lora")
    second = _tune(corpus, models("llama"), tmp_path / "b", method="seq_bn",
                   init_adapter=str(first.adapter_dir))
    assert second.initial_eval_loss == pytest.approx(first.final_eval_loss, abs=1e-6)
    assert second.final_eval_loss < second.initial_eval_loss
    config = json.loads((second.adapter_dir / "adapter_config.json").read_text())
    assert config["config"]["architecture"] == "lora"


def test_task_adapter_stacked_on_language_adapter(corpus, models, shared, tmp_path):
    """MAD-X: a frozen bn language adapter under a translation task adapter (Tatoeba pairs)."""
    from lrtk.tune import load_tuned
    from lrtk.tune.run import LANGUAGE

    lang = _tune(corpus, models("llama"), tmp_path / "lang", method="seq_bn_inv")
    folder = shared("tatoeba_ben_eng")
    ben = (folder / "tatoeba-test-v2021-08-07.ben").read_text(encoding="utf-8").splitlines()
    eng = (folder / "tatoeba-test-v2021-08-07.eng").read_text(encoding="utf-8").splitlines()
    pairs = tmp_path / "pairs.jsonl"
    with open(pairs, "w", encoding="utf-8") as fh:
        for src, tgt in list(zip(eng, ben))[:300]:
            fh.write(json.dumps({"src": src, "tgt": tgt, "src_lang": "English",
                                 "tgt_lang": "Bengali"}, ensure_ascii=False) + "\n")
    task = _tune(corpus, models("llama"), tmp_path / "task", method="lora",
                 objective="translation", train=str(pairs), eval=None,
                 language_adapter=str(lang.adapter_dir))
    assert task.final_eval_loss < task.initial_eval_loss
    reloaded_lang, _ = load_tuned(models("llama"), [lang.adapter_dir])
    trained_lang = {n: p for n, p in task.model.named_parameters() if LANGUAGE in n.split(".")}
    assert trained_lang and all(not p.requires_grad for p in trained_lang.values())
    for name, value in reloaded_lang.named_parameters():
        if "adapter0" in name.split("."):
            assert torch.equal(value, trained_lang[name.replace("adapter0", LANGUAGE)]), name


def test_translation_examples_learn_only_the_target(corpus):
    from lrtk.train.loss import IGNORE
    from lrtk.tune.examples import build_examples

    path = corpus["root"] / "p.jsonl"
    path.write_text(json.dumps({"prompt": "English: fever\nBengali: ", "target": "জ্বর"},
                               ensure_ascii=False) + "\n", encoding="utf-8")
    tok = corpus["tokenizer"]
    (ex,) = build_examples(str(path), tok, objective="translation", max_length=64)
    prompt_len = len(tok("English: fever\nBengali: ")["input_ids"])
    assert ex.labels[:prompt_len] == [IGNORE] * prompt_len
    assert ex.labels[prompt_len:] == ex.input_ids[prompt_len:]
    assert ex.labels[-1] == tok.eos_token_id


def test_examples_whose_prompt_fills_the_length_are_counted_aloud(corpus, capfd):
    """A prompt as long as max_length leaves nothing to learn: such examples are left out and
    the count is said, so "N examples" is not silently fewer."""
    from lrtk.tune.examples import build_examples

    path = corpus["root"] / "long.jsonl"
    records = [{"prompt": "English: fever\nBengali: ", "target": "জ্বর"},
               {"prompt": "English: " + "fever " * 60 + "\nBengali: ", "target": "জ্বর"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    examples = build_examples(str(path), corpus["tokenizer"], objective="translation",
                              max_length=32)
    assert len(examples) == 1
    assert "1 of 2 examples left out" in capfd.readouterr().err


def test_cli_lora_merge_is_deterministic_and_reports(corpus, models, run_cli, tmp_path):
    from transformers import AutoModelForCausalLM

    args = ["tune", "--model", models("llama"), "--train", corpus["train"], "--eval",
            corpus["eval"], "--method", "lora", "--lora-targets", "q,k,v", "--lora-r", "4",
            "--steps", "6", "--lr", "1e-2", "--ctx", "48", "--seed", "5", "--merge"]
    runs = []
    for name in ("a", "b"):
        code, out, err = run_cli(*args, "-o", tmp_path / name)
        assert code == 0, err
        assert out == "" and "trainable" in err and "held-out loss" in err
        runs.append(tmp_path / name)
    a, b = runs
    assert (a / "adapter" / "adapter.safetensors").read_bytes() == \
        (b / "adapter" / "adapter.safetensors").read_bytes()
    report = json.loads((a / "report.json").read_text())
    # LoRA r=4 on q, k, v of 2 layers: q and k/v project 48 -> 48 and 48 -> 24 (2 KV heads)
    assert report["trainable_parameters"] == 2 * (4 * (48 + 48) + 2 * 4 * (48 + 24))
    assert [step for step, _ in report["loss_curve"]] == list(range(1, 7))
    metrics = [json.loads(line) for line in (a / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics if "eval_loss" in m] == [0, 6]
    assert type(AutoModelForCausalLM.from_pretrained(a / "merged")).__name__ == \
        "LlamaForCausalLM"


def _tatoeba_pairs(shared, path, start, stop):
    folder = shared("tatoeba_ben_eng")
    ben = (folder / "tatoeba-test-v2021-08-07.ben").read_text(encoding="utf-8").splitlines()
    eng = (folder / "tatoeba-test-v2021-08-07.eng").read_text(encoding="utf-8").splitlines()
    path.write_text("".join(json.dumps({"src": e, "tgt": b}, ensure_ascii=False) + "\n"
                            for e, b in list(zip(eng, ben))[start:stop]), encoding="utf-8")
    return path


def test_cli_language_codes_name_the_prompt_as_the_old_names_did(corpus, models, shared,
                                                                  run_cli, tmp_path):
    """--src-lang en --tgt-lang bn trains on "English: ...\nBengali: " prompts, exactly what
    the retired display names (--src-lang English) gave; those, --max-length and --schedule
    still work for one release, each with one warning line."""
    pairs = _tatoeba_pairs(shared, tmp_path / "pairs.jsonl", 0, 40)
    args = ["tune", "--model", models("llama"), "--train", pairs, "--objective", "translation",
            "--method", "lora", "--steps", "3", "--lr", "1e-2", "--seed", "2",
            "--eval", _tatoeba_pairs(shared, tmp_path / "dev1.jsonl", 40, 44),
            "--eval", _tatoeba_pairs(shared, tmp_path / "dev2.jsonl", 44, 48)]
    code, _, err_new = run_cli(*args, "--src-lang", "en", "--tgt-lang", "bn", "--ctx", "48",
                               "--lr-schedule", "cosine", "-o", tmp_path / "new")
    assert code == 0, err_new
    code, _, err_old = run_cli(*args, "--src-lang", "English", "--tgt-lang", "Bengali",
                               "--max-length", "48", "--schedule", "cosine", "-o", tmp_path / "old")
    assert code == 0, err_old
    assert "deprecated" not in err_new
    assert [line for line in err_old.splitlines() if "deprecated" in line] == [
        "lrtk: warning: --max-length is deprecated, use --ctx",
        "lrtk: warning: --schedule is deprecated, use --lr-schedule",
        "lrtk: warning: --src-lang English (a language name) is deprecated, use --src-lang en",
        "lrtk: warning: --tgt-lang Bengali (a language name) is deprecated, use --tgt-lang bn"]
    adapter = "adapter/adapter.safetensors"
    assert (tmp_path / "new" / adapter).read_bytes() == (tmp_path / "old" / adapter).read_bytes()
    # A code lrtk has no name for needs the name given; then it heads the prompt.
    code, _, err = run_cli(*args, "--src-lang", "en", "--tgt-lang", "xx", "-o", tmp_path / "x")
    assert code == 2 and "'xx'" in err and not (tmp_path / "x").exists()
    code, _, err = run_cli(*args, "--src-lang", "en", "--tgt-lang", "xx", "--lang-name",
                           "Bengali", "--ctx", "48", "--lr-schedule", "cosine", "-o",
                           tmp_path / "named")
    assert code == 0, err
    assert (tmp_path / "named" / adapter).read_bytes() == (tmp_path / "new" / adapter).read_bytes()


@pytest.mark.parametrize("extra, message", [
    (["--method", "prefix"], "unknown method 'prefix'"),
    (["--objective", "mlm"], "objective 'mlm' does not fit a llama model"),
    (["--lora-targets", "q,o", "--method", "lora"], "unknown LoRA target(s) o"),
    (["--train", "/nonexistent.jsonl"], "/nonexistent.jsonl: file not found"),
])
def test_cli_bad_usage_is_one_line(corpus, models, run_cli, tmp_path, extra, message):
    out = tmp_path / "out"
    args = ["tune", "--model", models("llama"), "--train", corpus["train"], "--steps", "2"]
    code, _, err = run_cli(*args, *extra, "-o", out)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) <= 2, err
    assert not out.exists()


def test_cli_bad_record_names_file_and_line(models, run_cli, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "আর তার সাথে"}\n{"text": \n', encoding="utf-8")
    code, _, err = run_cli("tune", "--model", models("llama"), "--train", bad, "-o",
                           tmp_path / "out")
    assert code == 1 and f"{bad}:2: not valid JSON" in err


def test_cli_help_has_an_example(run_cli):
    code, out, _ = run_cli("tune", "--help")
    assert code == 0 and "lrtk tune --model" in out and "--curriculum" in out


def test_cli_curriculum_runs_the_yaml_stages(corpus, models, run_cli, tmp_path):
    lines = corpus["lines"]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"id": i, "prompt": f"Repeat: {a}\n", "target": a},
                                        ensure_ascii=False) + "\n"
                             for i, a in enumerate(lines[:40])),
                     encoding="utf-8")
    (tmp_path / "c.yaml").write_text(
        "seed: 2\nstages:\n  - {name: one, data: pairs.jsonl, steps: 3, lr: 1.0e-2, batch_size: 4, "
        "max_length: 48}\n  - {name: two, data: pairs.jsonl, steps: 3, lr: 1.0e-2, "
        "batch_size: 4, max_length: 48}\n", encoding="utf-8")
    code, _, err = run_cli("tune", "--model", models("llama"), "--curriculum",
                           tmp_path / "c.yaml", "-o", tmp_path / "out")
    assert code == 0, err
    summary = json.loads((tmp_path / "out" / "curriculum.json").read_text())
    assert [s["stage"] for s in summary["stages"]] == ["01-one", "02-two"]
    assert summary["stages"][1]["continued_from"] == summary["stages"][0]["adapter_dir"]
