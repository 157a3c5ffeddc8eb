"""lrtk export and the native runtime's float path: the file format, bad input, and logits
equal to Hugging Face's for tiny Llama, Mistral and Qwen2 models built from a config here."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from lrtk.export import QuantSpec, export, from_hf, quantize  # noqa: E402
from lrtk.io.model_file import ALIGN, DT_TMAC  # noqa: E402
from lrtk.runtime.binding import read_header  # noqa: E402
from lrtk.kernels.binding import half_round  # noqa: E402

VOCAB = 320
TINY = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, vocab_size=VOCAB, max_position_embeddings=256,
            bos_token_id=1, eos_token_id=2)


def tico_lines(shared) -> list[str]:
    return shared("tico19", "en-bn", "tico19-test.en").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="session")
def spm_model(tmp_path_factory):
    """A small sentencepiece model trained on TICO-19 English (the lines the tests never score)."""
    import sentencepiece as spm
    from conftest import shared_path

    lines = shared_path("tico19", "en-bn", "tico19-test.en").read_text(encoding="utf-8").splitlines()
    prefix = tmp_path_factory.mktemp("spm") / "sp"
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines[:1500]), model_prefix=str(prefix),
                                   vocab_size=VOCAB, model_type="unigram", bos_id=1, eos_id=2,
                                   unk_id=0, pad_id=-1, num_threads=1, minloglevel=2)
    return prefix.with_suffix(".model")


def save_tiny(kind: str, path, spm_model, seed: int = 0, hf_tokenizer: bool = False, **overrides):
    """A random tiny HF checkpoint with the sentencepiece tokenizer, as save_pretrained writes
    it; hf_tokenizer adds tokenizer.json / tokenizer_config.json as `lrtk train` does."""
    cls = {"llama": (transformers.LlamaConfig, transformers.LlamaForCausalLM),
           "mistral": (transformers.MistralConfig, transformers.MistralForCausalLM),
           "qwen2": (transformers.Qwen2Config, transformers.Qwen2ForCausalLM)}[kind]
    torch.manual_seed(seed)
    model = cls[1](cls[0](**{**TINY, **overrides})).eval()
    model.save_pretrained(path)
    shutil.copy(spm_model, path / "tokenizer.model")
    if hf_tokenizer:
        transformers.LlamaTokenizerFast(vocab_file=str(spm_model)).save_pretrained(path)
    return model


CASES = {
    # RoPE scaling as Llama 3.1 configures it, at a short original context so it takes effect.
    "llama-rope-llama3": ("llama", dict(rope_scaling={"rope_type": "llama3", "factor": 8.0,
                                                      "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                                      "original_max_position_embeddings": 32})),
    "llama-rope-linear-bias-hf-tokenizer": ("llama", dict(
        rope_scaling={"type": "linear", "factor": 2.0}, attention_bias=True, hf_tokenizer=True)),
    # A window shorter than the text, so the sliding mask matters.
    "mistral-sliding-window": ("mistral", dict(sliding_window=8)),
    "qwen2-tied-qkv-bias": ("qwen2", dict(tie_word_embeddings=True)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_f32_export_logits_equal_hf(case, tmp_path, spm_model, shared):
    from lrtk.runtime.binding import NativeModel
    from lrtk.runtime.tokenizer import Tokenizer

    kind, overrides = CASES[case]
    model = save_tiny(kind, tmp_path / "hf", spm_model, **overrides)
    out = tmp_path / "model.lrtk"
    export(from_hf(tmp_path / "hf"), out, QuantSpec(bits="f32"))
    text = " ".join(tico_lines(shared)[2000:2010])
    with NativeModel(str(out), threads=2) as native:
        ids = Tokenizer.from_model(native).encode(text)[:70]
        if (tmp_path / "hf" / "tokenizer.json").exists():  # the embedded HF tokenizer is used
            assert ids == transformers.AutoTokenizer.from_pretrained(tmp_path / "hf")(text).input_ids[:70]
        assert len(ids) == 70  # several prefill batches of 16 and past the sliding window
        with torch.no_grad():
            expected = model(torch.tensor([ids])).logits[0].numpy()
        got = native.forward(ids, 0, all_logits=True)
        assert np.abs(got - expected).max() <= 1e-3
        # Token-by-token decoding over the KV cache gives the same last logits.
        native_steps = [native.forward([t], i) for i, t in enumerate(ids[:20])]
        assert np.abs(native_steps[-1] - expected[19]).max() <= 1e-3


def test_file_layout_is_aligned_and_self_describing(tmp_path, spm_model):
    save_tiny("qwen2", tmp_path / "hf", spm_model, tie_word_embeddings=True)
    out = tmp_path / "m.lrtk"
    export(from_hf(tmp_path / "hf"), out, QuantSpec(bits="2", group_size=32))
    config, entries = read_header(str(out))
    assert config["dim"] == 64 and config["n_kv_heads"] == 2 and config["vocab_size"] == VOCAB
    assert all(e.offset % ALIGN == 0 for e in entries)
    by_name = {e.name: e for e in entries}
    q = by_name["model.layers.1.mlp.down_proj.weight"]
    assert (q.dtype, q.qtype, q.group_size, q.has_zeros, q.rows, q.cols) == (DT_TMAC, 2, 32, 1, 64, 128)
    # q/k/v (with Qwen2's biases) and gate/up are stacked into one matrix each.
    qkv = by_name["model.layers.0.self_attn.qkv_proj.weight"]
    assert (qkv.rows, qkv.cols) == (64 + 2 * 32, 64)
    assert by_name["model.layers.0.self_attn.qkv_proj.bias"].rows == 128
    assert by_name["model.layers.0.mlp.gate_up_proj.weight"].rows == 2 * 128
    assert not any(part in n for n in by_name for part in ("q_proj", "k_proj", ".up_proj"))
    # Tied embeddings with a higher-precision head: the head is the f16 embedding itself.
    assert "lm_head.weight" not in by_name
    raw = out.read_bytes()
    meta = json.loads(raw[by_name["meta.json"].offset:][:by_name["meta.json"].nbytes])
    assert meta["quant"]["bits"] == "2" and meta["architecture"] == "Qwen2ForCausalLM"
    assert raw[by_name["tokenizer.model"].offset:][:16] == spm_model.read_bytes()[:16]


def test_rtn_and_ternary_codes_reconstruct_within_half_a_step():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((8, 128)).astype(np.float32)
    for qtype in (1, 2, 3, 4):
        codes, s, z = quantize.rtn(w, qtype, 64, clip_search=False)
        assert codes.max() <= (1 << qtype) - 1
        err = np.abs(quantize.dequantize(codes, s, z, qtype, 64) - w)
        assert (err <= np.repeat(s, 64, axis=1) / 2 + 1e-6).all()
        searched = quantize.rtn(w, qtype, 64)
        mse = lambda c, s, z: ((quantize.dequantize(c, s, z, qtype, 64) - w) ** 2).sum()  # noqa
        assert mse(*searched) <= mse(codes, s, z)
    codes, s, z = quantize.rtn(w, 2, 64, clip_search=False, symmetric=True)
    # scales are what the runtime stores: IEEE halves
    assert z is None and np.array_equal(s[:, 0], half_round(np.abs(w[:, :64]).max(1) / 1.5))
    assert (np.abs(quantize.dequantize(codes, s, z, 2, 64) - w) <= np.repeat(s, 64, 1) / 2 + 1e-6).all()
    codes, s, z = quantize.rtn(w, quantize.TERNARY, 64)
    assert z is None and set(np.unique(codes)) <= {0, 1, 2}
    assert np.array_equal(s[:, 0], half_round(np.abs(w[:, :64]).mean(1)))


def test_unsupported_architecture_is_one_error_line(tmp_path, run_cli):
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["GPT2LMHeadModel"],
                                                      "model_type": "gpt2"}))
    code, out, err = run_cli("export", str(tmp_path), "-o", str(tmp_path / "m.lrtk"))
    assert code == 1 and out == ""
    assert err.strip().count("\n") == 0 and "unsupported architecture GPT2LMHeadModel" in err
    assert not (tmp_path / "m.lrtk").exists()


def test_export_refuses_options_it_would_ignore(tmp_path, spm_model, run_cli):
    save_tiny("llama", tmp_path / "hf", spm_model)
    calib = tmp_path / "calib.txt"
    calib.write_text("The virus spreads.\n")
    out = tmp_path / "m.lrtk"
    for args, message in [(["--bits", "f32", "--symmetric"], "keep every layer dense"),
                          (["--bits", "f16", "--method", "gptq", "--calib", str(calib)],
                           "keep every layer dense"),
                          (["--calib", str(calib)], "--calib is read only by --method gptq")]:
        code, _, err = run_cli("export", str(tmp_path / "hf"), "-o", str(out), *args)
        assert code == 2 and message in err and err.count("\n") == 1, (args, err)
        assert not out.exists()
    # A dense body with a quantized head may still be symmetric.
    code, _, err = run_cli("export", str(tmp_path / "hf"), "-o", str(out), "--bits", "f16",
                           "--head", "4", "--symmetric", "--group-size", "32")
    assert code == 0, err


def test_dynamic_rope_is_rejected(tmp_path, spm_model, run_cli):
    save_tiny("llama", tmp_path, spm_model, rope_scaling={"type": "dynamic", "factor": 2.0})
    code, _, err = run_cli("export", str(tmp_path), "-o", str(tmp_path / "m.lrtk"))
    assert code == 1 and "unsupported rope_scaling type dynamic" in err


def test_export_cli_then_corrupt_file_errors(tmp_path, spm_model, run_cli):
    save_tiny("llama", tmp_path / "hf", spm_model)
    out = tmp_path / "m.lrtk"
    code, _, err = run_cli("export", str(tmp_path / "hf"), "-o", str(out), "--bits", "4")
    assert code == 0, err
    good = out.read_bytes()
    # A failed export (bad group size for these shapes) leaves the good file untouched.
    code, _, err = run_cli("export", str(tmp_path / "hf"), "-o", str(out), "--group-size", "128")
    assert code == 2 and "not a multiple of --group-size 128" in err
    assert out.read_bytes() == good and len(list(tmp_path.glob(".m.lrtk*"))) == 0

    truncated = tmp_path / "cut.lrtk"
    truncated.write_bytes(good[: len(good) - 1000])
    code, _, err = run_cli("run", str(truncated), "--prompt", "hi")
    assert code == 1 and "truncated model file: tensor" in err and err.count("\n") == 1
    not_model = tmp_path / "x.lrtk"
    not_model.write_bytes(b"hello" * 100)
    code, _, err = run_cli("run", str(not_model), "--prompt", "hi")
    assert code == 1 and "not an lrtk model file (bad magic)" in err
    # A file from an older lrtk (version 3 stacked gate and up as two halves) is refused, read
    # or mapped: its layers would run, wrongly.
    old = tmp_path / "v3.lrtk"
    old.write_bytes(good[:8] + (3).to_bytes(4, "little") + good[12:])
    for extra in ([], ["--mmap"]):
        code, _, err = run_cli("run", str(old), "--prompt", "hi", *extra)
        assert code == 1 and err.count("\n") == 1
        assert "unsupported model file version 3 (this runtime reads 4): export it again" in err
    help_code, help_out, _ = run_cli("export", "--help")
    assert help_code == 0 and "lrtk export out/model" in help_out


@pytest.mark.parametrize("bits", ["1", "2", "3", "4", "ternary", "f16", "2-symmetric",
                                  "4-symmetric"])
def test_quantized_logits_match_dequantized_hf(bits, tmp_path, spm_model):
    """Every bit width through pack + T-MAC kernels equals the HF model whose linear weights are
    replaced by their dequantized codes, up to the kernels' int8 activation tables."""
    from lrtk.runtime.binding import NativeModel

    model = save_tiny("qwen2", tmp_path / "hf", spm_model)
    out = tmp_path / "m.lrtk"
    bits, _, symmetric = bits.partition("-")
    export(from_hf(tmp_path / "hf"), out, QuantSpec(bits=bits, group_size=32, head="f32",
                                                    embed="f32", symmetric=bool(symmetric)))
    qtype = {"ternary": quantize.TERNARY}.get(bits, int(bits) if bits.isdigit() else None)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.startswith("model.layers.") and name.endswith("proj.weight"):
                w = p.numpy()
                deq = (w.astype(np.float16).astype(np.float32) if qtype is None else
                       quantize.dequantize(*quantize.rtn(w, qtype, 32, symmetric=bool(symmetric)),
                                           qtype, 32))
                p.copy_(torch.from_numpy(deq))
        ids = list(range(3, 43))
        expected = model(torch.tensor([ids])).logits[0].numpy()
    with NativeModel(str(out)) as native:
        got = native.forward(ids, 0, all_logits=True)
    rel = np.linalg.norm(got - expected) / np.linalg.norm(expected)
    assert rel < (1e-4 if qtype is None else 0.02), rel


@pytest.mark.parametrize("kind,overrides", [
    ("llama", {}), ("llama", {"head_dim": 24, "rope_theta": 500000.0}),
    ("mistral", {"head_dim": 32}), ("qwen2", {"rope_theta": 1000000}),
    ("llama", {"partial_rotary_factor": 0.5})], ids=["llama", "llama-head-dim-theta",
                                                    "mistral", "qwen2-int-theta", "partial"])
def test_unscaled_rope_is_transformers_own(kind, overrides):
    """Export computes unscaled RoPE itself (to skip importing transformers): the same float32
    values transformers computes, to the bit, from the same config.json."""
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    from lrtk.export.source import _rope

    config = transformers.AutoConfig.for_model(kind, **{**TINY, **overrides})
    cfg = json.loads(config.to_json_string())
    expected, scale = ROPE_INIT_FUNCTIONS["default"](config, "cpu")
    inv_freq, attn_scale = _rope(cfg, "config.json")
    assert inv_freq.dtype == np.float32 and attn_scale == scale == 1.0
    assert np.array_equal(inv_freq, expected.numpy())
