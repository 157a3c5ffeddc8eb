"""lrtk generate and lrtk eval --model with a tiny Llama built here (same code paths as a
real local model): prompts in, outputs out, TaCo extraction, adapters, determinism."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")
pytest.importorskip("adapters")


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    """A 2-layer Llama (untrained, seeded: arbitrary but reproducible outputs) with a
    sentencepiece tokenizer trained on TICO-19 English and Nepali."""
    from conftest import shared_path
    from tiny_models import save_tiny_model, train_spm

    from lrtk.train.tokenizer import hf_tokenizer

    root = tmp_path_factory.mktemp("tiny")
    d = shared_path("tico19", "en-ne")
    text = root / "text.txt"
    lines = [line for side in ("en", "ne")
             for line in (d / f"tico19-test.{side}").read_text(encoding="utf-8").splitlines()[:300]]
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(save_tiny_model("llama", hf_tokenizer(train_spm(text, root / "spm")),
                               root / "model"))


@pytest.fixture(scope="module")
def noisy_adapter(tiny_lm, tmp_path_factory):
    """A LoRA adapter saved the way lrtk tune saves it, with random (non-zero) weights so
    that it changes what the model generates."""
    import torch

    from lrtk.tune.methods import MethodSettings
    from lrtk.tune.model import load_base, save_adapter

    model, _ = load_base(tiny_lm)
    model.add_adapter("a", config=MethodSettings("lora", lora_r=4, lora_alpha=8,
                                                 lora_targets=("q", "v")).adapter_config())
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".a." in f".{name}." or name.split(".")[-1] == "a":
                p.normal_(0, 2.0)
    out = tmp_path_factory.mktemp("adapter") / "adapter"
    save_adapter(model, "a", out)
    return str(out)


def prompts_file(tmp_path, shared, n=4):
    ne = shared("tico19", "en-ne", "tico19-test.ne").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps({"id": i, "instruction": ne[i]}, ensure_ascii=False)
                            + "\n" for i in range(n)), encoding="utf-8")
    return path


def run_generate(run_cli, *args):
    code, out, err = run_cli("generate", *map(str, args))
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()], err


def test_generate_is_deterministic_and_keeps_records(tiny_lm, tmp_path, shared, run_cli):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a", "prompt": "### Instruction:\\nhello"}\n'
                    '{"id": "b", "prompt": "the virus"}\n', encoding="utf-8")
    first, err = run_generate(run_cli, path, "--model", tiny_lm, "--max-new-tokens", 6,
                              "--batch-size", 2)
    again, _ = run_generate(run_cli, path, "--model", tiny_lm, "--max-new-tokens", 6,
                            "--batch-size", 1)
    assert first == again  # greedy, and batching (left padding) does not change outputs
    assert [r["id"] for r in first] == ["a", "b"]
    assert all(isinstance(r["output"], str) and r["output"] for r in first)
    assert "generate: 2 records" in err


def test_sampling_is_seeded(tiny_lm, run_cli):
    args = ("--prompt", "the virus", "--model", tiny_lm, "--max-new-tokens", 10,
            "--temperature", 2.0)
    outputs = [run_generate(run_cli, *args, "--seed", seed)[0][0]["output"]
               for seed in (1, 1, 2)]
    assert outputs[0] == outputs[1] != outputs[2]
    greedy = run_generate(run_cli, *args[:-2], "--seed", 1)[0][0]["output"]  # temperature 0
    assert greedy == run_generate(run_cli, *args[:-2], "--seed", 2)[0][0]["output"]


def test_retired_spellings_still_work_with_one_warning(tiny_lm, run_cli):
    """-m, -l and --sample (= --temperature 1) for one release, each saying so once."""
    new = ("--prompt", "the virus", "--model", tiny_lm, "--max-new-tokens", 6,
           "--temperature", 1, "--seed", 3, "--tgt-lang", "ne")
    old = ("--prompt", "the virus", "-m", tiny_lm, "--max-new-tokens", 6, "--sample",
           "--seed", 3, "-l", "ne")
    code, out_new, err_new = run_cli("generate", *new)
    code_old, out_old, err_old = run_cli("generate", *old)
    assert code == code_old == 0, err_old
    assert out_old == out_new and "deprecated" not in err_new
    assert [line for line in err_old.splitlines() if "deprecated" in line] == [
        "lrtk: warning: -m is deprecated, use --model",
        "lrtk: warning: --sample is deprecated, use --temperature=1",
        "lrtk: warning: -l is deprecated, use --tgt-lang"]


def test_taco_output_is_extracted_from_chain(tiny_lm, tmp_path, shared, run_cli):
    from lrtk.taco import extract_response

    records, err = run_generate(run_cli, prompts_file(tmp_path, shared), "--model", tiny_lm,
                                "--taco", "--tgt-lang", "ne", "--max-new-tokens", 8)
    assert len(records) == 4
    for rec in records:
        parsed = extract_response(rec["chain"], "Nepali")
        assert (rec["output"], rec["chain_status"]) == (parsed.output, parsed.status)
    # an untrained model writes no chain: every record says so and the summary counts it
    assert "chains:" in err and sum(int(p.split()[0]) for p in
                                    err.split("chains: ")[1].split(")")[0].split(", ")) == 4


def test_adapter_changes_generation(tiny_lm, noisy_adapter, tmp_path, run_cli):
    args = ("--prompt", "the virus spreads", "--model", tiny_lm, "--max-new-tokens", 8)
    base, _ = run_generate(run_cli, *args)
    tuned, _ = run_generate(run_cli, *args, "--adapter", noisy_adapter)
    assert base[0]["prompt"] == "the virus spreads"
    assert base[0]["output"] != tuned[0]["output"]


def test_adapter_generation_equals_stepwise_greedy_decoding(tiny_lm, noisy_adapter, shared):
    """Batched generation through an adapter gives the tokens of the plainest decoder: the
    whole sequence through the model at every step, argmax, append. (With adapters 1.3 the
    KV cache silently breaks generation; lrtk must not produce that text.)"""
    import torch

    from lrtk.generate import GenerationSettings, Generator, load_model

    en = shared("tico19", "en-ne", "tico19-test.en").read_text(encoding="utf-8").splitlines()
    prompts = [en[0], en[5], en[2]]  # different lengths: the batch is left-padded
    loaded = load_model(tiny_lm, noisy_adapter)
    outputs = list(Generator(loaded, GenerationSettings(max_new_tokens=6, batch_size=3,
                                                        device="cpu")).generate(prompts))
    model, tok = loaded.model, loaded.tokenizer
    for prompt, output in zip(prompts, outputs):
        ids = tok(prompt, return_tensors="pt")["input_ids"]
        start = ids.shape[1]
        with torch.no_grad():
            for _ in range(6):
                token = model(input_ids=ids).logits[0, -1].argmax()
                ids = torch.cat([ids, token.view(1, 1)], dim=1)
                if token.item() == tok.eos_token_id:
                    break
        assert output == tok.decode(ids[0, start:], skip_special_tokens=True)


def test_generate_bad_inputs(tiny_lm, tmp_path, run_cli):
    code, _, err = run_cli("generate", "--prompt", "x", "--model", str(tmp_path / "nope"))
    assert code == 2 and "directory not found" in err and len(err.strip().splitlines()) == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "no prompt"}\n', encoding="utf-8")
    code, _, err = run_cli("generate", str(bad), "--model", tiny_lm, "-o", str(tmp_path / "o"))
    assert code == 1 and f"{bad}:1: missing string field 'prompt'" in err
    assert not (tmp_path / "o").exists()
    code, _, err = run_cli("generate", "--prompt", "x", "--model", tiny_lm, "--taco")
    assert code == 2 and "--taco needs --tgt-lang" in err
    code, _, err = run_cli("generate", "--prompt", "x", "--model", tiny_lm, "--device", "gpu0")
    assert code == 2 and "unknown device 'gpu0'" in err


def test_device_cuda_without_gpu_is_usage_error(tiny_lm, run_cli):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    code, _, err = run_cli("generate", "--prompt", "x", "--model", tiny_lm, "--device", "cuda")
    assert code == 2 and "torch sees no CUDA GPU" in err


def test_eval_model_generates_and_scores(tiny_lm, tmp_path, shared, run_cli):
    d = shared("tico19", "en-ne")
    en = (d / "tico19-test.en").read_text(encoding="utf-8").splitlines()[:3]
    ne = (d / "tico19-test.ne").read_text(encoding="utf-8").splitlines()[:3]
    test = tmp_path / "test.jsonl"
    test.write_text("".join(json.dumps({"src": a, "tgt": b}, ensure_ascii=False) + "\n"
                            for a, b in zip(en, ne)), encoding="utf-8")
    code, out, err = run_cli("eval", "--model", tiny_lm, "--test", str(test), "--tgt-lang", "ne",
                             "--metric", "chrf,bleu", "--max-new-tokens", "6", "--json",
                             "--hyp-out", str(tmp_path / "hyp.txt"),
                             "--markdown", str(tmp_path / "t.md"))
    assert code == 0, err
    data = json.loads(out)
    hyps = (tmp_path / "hyp.txt").read_text(encoding="utf-8").splitlines()
    assert len(hyps) == 3
    # the one-command score equals scoring the saved outputs as files
    ref = tmp_path / "ref.txt"
    ref.write_text("\n".join(ne) + "\n", encoding="utf-8")
    code, out2, _ = run_cli("eval", "--hyp", str(tmp_path / "hyp.txt"), "--ref", str(ref),
                            "--metric", "chrf,bleu", "--json")
    assert json.loads(out2) == data
    assert (tmp_path / "t.md").read_text().startswith("| metric | score |")
