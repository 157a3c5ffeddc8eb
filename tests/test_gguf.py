"""`lrtk export --format gguf` checked by llama.cpp itself: the llama-cpp-python bindings over
the libllama that `make llamacpp` builds from the llama-cpp-python sdist into build/llamacpp
(`make test` runs it first). Logits against Hugging Face and lrtk's runtime, quantized top-1
agreement on a Llama trained here on TICO-19, greedy text, the tokenizer on Bengali, Nepali,
Sinhala, Urdu and English lines, and LoRA adapters applied at load time. `pytest -s` prints
the figures."""

from __future__ import annotations

import shutil
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
gguf = pytest.importorskip("gguf", reason="the export extra (pip install 'lrtk[export]')")

from badinput import kit  # noqa: E402,F401  (fixture: tiny Llama with lrtk train's tokenizer)
from conftest import shared_path  # noqa: E402
from test_export import CASES, save_tiny, spm_model, tico_lines  # noqa: E402,F401  (fixture)
from test_runtime import trained  # noqa: E402,F401  (fixture: Llama trained on TICO-19)

REPO = Path(__file__).resolve().parents[1]
EVAL = slice(1800, 2100)  # TICO-19 lines neither the model nor its tokenizer saw


def _bindings():
    """llama_cpp (llama-cpp-python) over the libllama of `make llamacpp`, or a skip."""
    built = REPO / "build" / "llamacpp"
    libs = sorted(built.glob("llama_cpp_python-*/llama_cpp/lib/libllama.so"))
    if not libs:
        pytest.skip("llama.cpp is not built: `make llamacpp` builds it into build/llamacpp "
                    "(make test does)")
    sys.path.insert(0, str(libs[-1].parents[2]))
    import llama_cpp

    return llama_cpp


@pytest.fixture(scope="module")
def llama_cpp():
    return _bindings()


class Llama:
    """One llama.cpp context over a GGUF file (optionally with a LoRA adapter)."""

    def __init__(self, llama_cpp, path, lora=None, vocab_only=False):
        # An f32 KV cache (llama.cpp's default is f16), so float files compare exactly.
        self.m = llama_cpp.Llama(str(path), n_ctx=512, logits_all=True, verbose=False,
                                 n_threads=2, lora_path=str(lora) if lora else None,
                                 vocab_only=vocab_only, type_k=llama_cpp.GGML_TYPE_F32,
                                 type_v=llama_cpp.GGML_TYPE_F32)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.m.close()

    def logits(self, ids: list[int]) -> np.ndarray:
        self.m.reset()
        self.m.eval(ids)
        return np.array(self.m.scores[:len(ids)])

    def greedy(self, prompt: list[int], n: int, eos: int) -> list[int]:
        self.m.reset()
        self.m.eval(prompt)
        out = []
        for _ in range(n):
            token = int(np.argmax(self.m.scores[self.m.n_tokens - 1]))
            if token == eos:
                break
            out.append(token)
            self.m.eval([token])
        return out

    def tokenize(self, text: str) -> list[int]:
        return self.m.tokenize(text.encode("utf-8"), add_bos=True, special=False)


def _export(run_cli, model_dir, out, *args) -> Path:
    code, _, err = run_cli("export", str(model_dir), "-o", str(out), "--format", "gguf", *args)
    assert code == 0, err
    return out


def _eval_ids(hf_dir, n: int) -> list[int]:
    from lrtk.runtime.tokenizer import Tokenizer

    return Tokenizer.from_dir(hf_dir, 1).encode(" ".join(tico_lines(shared_path)[EVAL]))[:n]


def _hf_logits(hf_dir, ids) -> np.ndarray:
    model = transformers.AutoModelForCausalLM.from_pretrained(hf_dir).eval()
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].numpy()


@pytest.fixture(scope="module")
def exports(trained, tmp_path_factory, llama_cpp):  # noqa: F811
    """The trained model as F32, F16, Q8_0 and Q4_0 GGUF files."""
    from lrtk.export import from_hf
    from lrtk.export.gguf_model import GGUFSpec, export_gguf

    root = tmp_path_factory.mktemp("gguf")
    files = {}
    for bits in ("f32", "f16", "8", "4"):
        files[bits] = root / f"m-{bits}.gguf"
        export_gguf(from_hf(trained[0]), files[bits], GGUFSpec(bits=bits))
    return files


def test_float_gguf_logits_equal_hf_and_lrtk_runtime(trained, exports, llama_cpp,  # noqa: F811
                                                     tmp_path):
    from lrtk.export import QuantSpec, export, from_hf
    from lrtk.runtime.binding import NativeModel

    hf_dir = trained[0]
    ids = _eval_ids(hf_dir, 200)
    expected = _hf_logits(hf_dir, ids)
    export(from_hf(hf_dir), tmp_path / "m.lrtk", QuantSpec(bits="f32"))
    with NativeModel(str(tmp_path / "m.lrtk"), threads=2) as native:
        lrtk = native.forward(ids, 0, all_logits=True)
    scale = np.abs(expected).max()
    diffs = {}
    for bits in ("f32", "f16"):
        with Llama(llama_cpp, exports[bits]) as m:
            got = m.logits(ids)
        diffs[bits] = (np.abs(got - expected).max(), np.abs(got - lrtk).max())
    print(f"\nmax |logit| {scale:.2f} over {len(ids)} tokens; llama.cpp vs HF / vs lrtk: " +
          "; ".join(f"{b}: {d[0]:.2e} / {d[1]:.2e}" for b, d in diffs.items()))
    # f32 differs only by summation order (llama.cpp's SIMD dot products; measured ~2e-5);
    # f16 also rounds every weight to 11 significant bits (~3e-3).
    assert max(diffs["f32"]) <= 1e-3
    assert max(diffs["f16"]) <= 5e-2
    assert max(diffs["f16"]) > max(diffs["f32"])  # the f16 file really holds halves


# test_export's architecture cases; Mistral's window here is longer than the text, since
# llama.cpp's llama architecture has no sliding window.
ARCH_CASES = {**{k: v for k, v in CASES.items() if not k.startswith("mistral")},
              "mistral": ("mistral", dict(sliding_window=4096))}


@pytest.mark.parametrize("case", sorted(ARCH_CASES))
def test_f32_gguf_of_each_architecture_equals_hf(case, tmp_path, spm_model,  # noqa: F811
                                                 llama_cpp, run_cli):
    """llama (llama3 and linear RoPE scaling, attention bias, HF tokenizer), qwen2 (tied head,
    so no output.weight; q/k/v bias; no q/k permutation) and mistral as llama."""
    kind, overrides = ARCH_CASES[case]
    model = save_tiny(kind, tmp_path / "hf", spm_model, **overrides)
    out = _export(run_cli, tmp_path / "hf", tmp_path / "m.gguf", "--bits", "f32")
    names = {t.name for t in gguf.GGUFReader(out).tensors}
    assert ("output.weight" in names) == (not model.config.tie_word_embeddings)
    ids = [1] + list(range(3, 60))
    with torch.no_grad():
        expected = model(torch.tensor([ids])).logits[0].numpy()
    with Llama(llama_cpp, out) as m:
        got = m.logits(ids)
    assert np.abs(got - expected).max() <= 1e-3


def test_quantized_gguf_top1_agreement(trained, exports, llama_cpp):  # noqa: F811
    hf_dir = trained[0]
    ids = _eval_ids(hf_dir, 400)
    expected = _hf_logits(hf_dir, ids)
    top2 = np.sort(expected, axis=1)[:, -2:]
    # Positions where HF's best token leads by less than 0.05 could go either way under a
    # different summation order (AVX2 vs AVX-512): they are not counted.
    clear = (top2[:, 1] - top2[:, 0]) > 0.05
    agreement = {}
    for bits in ("8", "4"):
        with Llama(llama_cpp, exports[bits]) as m:
            got = m.logits(ids)
        agreement[bits] = float((got.argmax(1) == expected.argmax(1))[clear].mean())
    print(f"\ntop-1 agreement with HF on {clear.sum()} of {len(ids)} positions: Q8_0 "
          f"{agreement['8']:.4f}, Q4_0 {agreement['4']:.4f}")
    assert agreement["8"] >= 0.98
    assert agreement["4"] >= 0.85
    assert agreement["8"] >= agreement["4"]


def test_greedy_text_identical_to_lrtk(trained, exports, llama_cpp, tmp_path):  # noqa: F811
    from lrtk.export import QuantSpec, export, from_hf
    from lrtk.runtime.binding import NativeModel, Sampler
    from lrtk.runtime.generate import generate_ids
    from lrtk.runtime.tokenizer import Tokenizer

    hf_dir = trained[0]
    tokenizer = Tokenizer.from_dir(hf_dir, 1)
    export(from_hf(hf_dir), tmp_path / "m.lrtk", QuantSpec(bits="f32"))
    texts = {}
    for prompt in ("The virus", "Wash your hands", "Symptoms of COVID-19 include"):
        ids = tokenizer.encode(prompt)
        with NativeModel(str(tmp_path / "m.lrtk"), threads=2) as native:
            lrtk = list(generate_ids(native, ids, 32, Sampler(native.config["vocab_size"]),
                                     stop=2))
        with Llama(llama_cpp, exports["f32"]) as m:
            llama = m.greedy(ids, 32, eos=2)
        texts[prompt] = tokenizer.decode(llama)
        assert llama == lrtk and len(llama) >= 8, (prompt, llama, lrtk)
    print("\n" + "\n".join(f"{p!r} -> {t!r}" for p, t in texts.items()))


# Held-out lines of each language: TICO-19 (bn, ne, ur, en) and FLORES v1 dev (si).
LANGUAGES = {"bn": ("tico19", "en-bn", "tico19-test.bn"),
             "ne": ("tico19", "en-ne", "tico19-test.ne"),
             "ur": ("tico19", "en-ur", "tico19-test.ur"),
             "si": ("floresv1_dev", "wikipedia.dev.si-en.si"),
             "en": ("tico19", "en-bn", "tico19-test.en")}
TRAIN, HELD_OUT = slice(0, 1500), slice(1500, 2100)


@pytest.fixture(scope="module")
def indic_model(tmp_path_factory):
    """An HF directory as `lrtk train` writes it (tokenizer.model + tokenizer.json) around a
    joint bn/ne/ur/si/en unigram tokenizer trained by `lrtk tokenizer train`'s code with its
    defaults (byte fallback, nmt_nfkc), and a one-layer model of that vocabulary."""
    from lrtk.sampling import CorpusSpec
    from lrtk.tokenize import TrainOptions, train_tokenizer
    from lrtk.train.tokenizer import save_tokenizer

    root = tmp_path_factory.mktemp("indic")
    specs = []
    for lang, parts in LANGUAGES.items():
        lines = shared_path(*parts).read_text(encoding="utf-8").splitlines()[TRAIN]
        (root / f"{lang}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        specs.append(CorpusSpec.parse(f"{lang}={root / lang}.txt", "auto", "text"))
    [model] = train_tokenizer(specs, str(root / "sp"), TrainOptions(vocab_size=4000, threads=1))
    hf = root / "hf"
    torch.manual_seed(0)
    config = transformers.LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=1,
                                      num_attention_heads=4, num_key_value_heads=2,
                                      vocab_size=4000, bos_token_id=1, eos_token_id=2)
    transformers.LlamaForCausalLM(config).save_pretrained(hf)
    save_tokenizer(model, hf)
    return hf


def test_tokenizer_travels_intact(indic_model, llama_cpp, tmp_path):
    """llama.cpp, lrtk's runtime and sentencepiece give the same ids on every held-out line,
    but for one kind of line, checked exactly: a character outside the vocabulary, which
    sentencepiece spells as UTF-8 byte pieces (byte fallback) and llama.cpp's unigram tokenizer
    as one <unk> per run. Training reserves a piece for every character of the languages'
    alphabets, so such a character is always foreign (CJK in Sinhala Wikipedia)."""
    import sentencepiece as spm

    from lrtk.export import from_hf
    from lrtk.export.gguf_model import GGUFSpec, export_gguf
    from lrtk.runtime.tokenizer import Tokenizer
    from lrtk.text.scripts import joint_alphabet

    export_gguf(from_hf(indic_model), tmp_path / "m.gguf", GGUFSpec(bits="f16"))
    lrtk = Tokenizer.from_dir(indic_model, 1)
    sp = spm.SentencePieceProcessor(model_file=str(indic_model / "tokenizer.model"))
    byte_ids = {i for i in range(sp.get_piece_size()) if sp.is_byte(i)}
    alphabet = set(joint_alphabet(LANGUAGES)) | {" "}

    def bytes_as_unk(ids):
        out = []
        for t in ids:
            if t not in byte_ids:
                out.append(t)
            elif not out or out[-1] != sp.unk_id():
                out.append(sp.unk_id())
        return out

    report = []
    with Llama(llama_cpp, tmp_path / "m.gguf", vocab_only=True) as m:
        for lang, parts in LANGUAGES.items():
            lines = _held_out(parts)
            counts = {"lines": len(lines), "mismatches": 0}
            for line in lines:
                ours, llama, ref = lrtk.encode(line), m.tokenize(line), [1] + sp.encode(line)
                assert ours == ref, (lang, line)
                assert llama == bytes_as_unk(ref), (lang, line)
                if llama != ours:
                    counts["mismatches"] += 1
                    foreign = set(unicodedata.normalize("NFKC", line)) - alphabet
                    assert foreign, (lang, line, ours, llama)
            report.append(f"{lang}: {counts}")
    print("\n" + "\n".join(report))


def _held_out(parts) -> list[str]:
    lines = shared_path(*parts).read_text(encoding="utf-8").splitlines()[HELD_OUT]
    return [x for x in lines if x.strip()]


def test_byte_level_bpe_tokenizer_json_travels_intact(tmp_path, llama_cpp):
    """A tokenizer.json-only byte-level BPE (GPT-2 pre-tokenizer, as Qwen2-style checkpoints
    carry) trained here on the five languages: vocabulary, merges and pre-tokenizer give
    llama.cpp exactly lrtk's ids on every held-out line."""
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers import decoders, models, pre_tokenizers, trainers

    from lrtk.export import from_hf
    from lrtk.export.gguf_model import GGUFSpec, export_gguf
    from lrtk.runtime.tokenizer import Tokenizer

    bpe = HFTokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    lines = [x for parts in LANGUAGES.values()
             for x in shared_path(*parts).read_text(encoding="utf-8").splitlines()[TRAIN]]
    bpe.train_from_iterator(lines, trainers.BpeTrainer(
        vocab_size=4000, special_tokens=["<|endoftext|>"], show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    hf = tmp_path / "hf"
    config = transformers.LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=1,
                                      num_attention_heads=4, num_key_value_heads=2,
                                      vocab_size=4000, bos_token_id=0, eos_token_id=0)
    transformers.LlamaForCausalLM(config).save_pretrained(hf)
    bpe.save(str(hf / "tokenizer.json"))
    export_gguf(from_hf(hf), tmp_path / "m.gguf", GGUFSpec(bits="f16"))
    ours = Tokenizer.from_dir(hf, 0)
    report = []
    with Llama(llama_cpp, tmp_path / "m.gguf", vocab_only=True) as m:
        for lang, parts in LANGUAGES.items():
            held = _held_out(parts)
            bad = sum(ours.encode(x) != m.tokenize(x) for x in held)
            report.append(f"{lang}: {len(held)} lines, {bad} mismatches")
            assert bad == 0, report
    print("\nbyte-level BPE: " + "; ".join(report))


def test_lora_adapter_applied_by_llama_cpp_equals_merged_model(  # noqa: F811
        trained, exports, llama_cpp, tmp_path, run_cli):
    hf_dir = trained[0]
    train = tmp_path / "tune.txt"
    lines = shared_path("tico19", "en-ne", "tico19-test.en").read_text(encoding="utf-8")
    train.write_text("\n".join(lines.splitlines()[:300]) + "\n", encoding="utf-8")
    code, _, err = run_cli("tune", "--model", str(hf_dir), "--method", "lora", "--lora-targets",
                           "q,k,v,intermediate,output", "--lora-alpha", "16", "--train",
                           str(train), "--steps", "8", "--lr", "1e-2", "--batch-size", "4",
                           "--ctx", "64", "--merge", "-o", str(tmp_path / "tune"))
    assert code == 0, err
    adapter = _export(run_cli, tmp_path / "tune" / "adapter", tmp_path / "lora.gguf", "--lora",
                      "--base", str(hf_dir))
    ids = _eval_ids(hf_dir, 120)
    merged = _hf_logits(tmp_path / "tune" / "merged", ids)
    base = _hf_logits(hf_dir, ids)
    with Llama(llama_cpp, exports["f32"], lora=adapter) as m:
        got = m.logits(ids)
    diff, moved = np.abs(got - merged).max(), np.abs(merged - base).max()
    print(f"\nLoRA (q,k,v,up,down; r 8, alpha 16): base GGUF + adapter GGUF vs merged HF "
          f"{diff:.2e}; the adapter moves logits by {moved:.3f}")
    assert moved > 0.1 and diff <= 1e-3  # measured ~1e-5


@pytest.mark.parametrize("bits,block", [("2", 256), ("ternary", 256), ("tq1_0", 256)])
def test_low_bit_types_load_and_follow_their_dequantized_weights(  # noqa: F811
        bits, block, tmp_path, spm_model, llama_cpp, run_cli):
    """Q2_K / TQ2_0 / TQ1_0 need rows of 256: a 256-wide model. llama.cpp's logits follow an HF
    model holding the dequantized weights (gguf's own dequantizer reads our packing)."""
    from lrtk.export.gguf_quant import quantize

    torch.manual_seed(0)
    config = transformers.LlamaConfig(hidden_size=block, intermediate_size=2 * block,
                                      num_hidden_layers=1, num_attention_heads=4,
                                      num_key_value_heads=2, vocab_size=320,
                                      bos_token_id=1, eos_token_id=2)
    model = transformers.LlamaForCausalLM(config).eval()
    model.save_pretrained(tmp_path / "hf")
    shutil.copy(spm_model, tmp_path / "hf" / "tokenizer.model")
    out = _export(run_cli, tmp_path / "hf", tmp_path / "m.gguf", "--bits", bits)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 2 and "proj" in name:
                data, qtype = quantize(name, p.numpy(), {"2": "Q2_K", "ternary": "TQ2_0",
                                                          "tq1_0": "TQ1_0"}[bits])
                p.copy_(torch.from_numpy(gguf.quants.dequantize(data, qtype)))
    ids = list(range(3, 40))
    with torch.no_grad():
        expected = model(torch.tensor([ids])).logits[0].numpy()
    with Llama(llama_cpp, out) as m:
        got = m.logits(ids)
    # llama.cpp rounds activations to 8 bits for these types' dot products: not exact, but
    # far closer than the quantization itself moves the model.
    corr = np.corrcoef(got.ravel(), expected.ravel())[0, 1]
    assert corr > 0.99, corr


def test_pipeline_export_stage_writes_gguf_on_request(kit, tmp_path, llama_cpp):  # noqa: F811
    """EXPORT_FORMATS=lrtk,gguf: the pair pipeline's export stage also writes model.gguf,
    which llama.cpp loads with the tokenizer of the tuned model."""
    import os
    import subprocess

    from lrtk.runtime.tokenizer import Tokenizer
    from lrtk.train.tokenizer import save_tokenizer

    work = tmp_path / "work"
    merged = work / "tuned" / "merged"
    shutil.copytree(kit.hf, merged)
    # The tokenizer files as `lrtk train` writes them (the kit's tokenizer.json is transformers'
    # plain LlamaTokenizerFast conversion, which drops sentencepiece's normalizer).
    save_tokenizer(kit.spm, merged)
    shim = tmp_path / "bin" / "lrtk"  # `lrtk` as the pipeline calls it: this checkout's CLI
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m lrtk.cli.main "$@"\n')
    shim.chmod(0o755)
    env = {**os.environ, "WORK": str(work), "EXPORT_FORMATS": "lrtk,gguf",
           "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    subprocess.run([str(REPO / "pipelines" / "pair.sh"), "bn-en", "export"], cwd=REPO, env=env,
                   check=True, capture_output=True)
    assert (work / "model.lrtk").stat().st_size > 0
    text = "The virus spreads among people in close contact."
    with Llama(llama_cpp, work / "model.gguf") as m:
        assert m.tokenize(text) == Tokenizer.from_dir(merged, 1).encode(text)
