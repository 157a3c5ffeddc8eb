"""The native runtime on a tiny Llama trained here on TICO-19 English (150 steps, fixed seed,
~40 s on one core): low-bit agreement with the float HF model, perplexity through `lrtk ppl`,
generation through `lrtk run`, and identical greedy tokens from every kernel (NEON under qemu)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from conftest import shared_path  # noqa: E402
from test_export import VOCAB, spm_model, tico_lines  # noqa: E402,F401  (spm_model: fixture)

REPO = Path(__file__).resolve().parents[1]
EVAL_LINES = slice(1800, 2100)  # held out from training and from the tokenizer


@pytest.fixture(scope="module")
def trained(tmp_path_factory, spm_model):  # noqa: F811
    """(HF dir, eval text file, calibration text file) of a Llama trained on TICO-19 lines."""
    import sentencepiece as spm

    torch.set_num_threads(1)
    lines = tico_lines(shared_path)
    root = tmp_path_factory.mktemp("trained")
    sp = spm.SentencePieceProcessor(model_file=str(spm_model))
    data = torch.tensor([t for line in lines[:1800] for t in [1] + sp.encode(line)])
    torch.manual_seed(0)
    config = transformers.LlamaConfig(hidden_size=128, intermediate_size=384, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2,
                                      vocab_size=VOCAB, max_position_embeddings=256,
                                      bos_token_id=1, eos_token_id=2)
    model = transformers.LlamaForCausalLM(config)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(0)
    for _ in range(150):
        starts = torch.randint(0, len(data) - 65, (16,), generator=gen)
        batch = torch.stack([data[s:s + 64] for s in starts])
        model(batch, labels=batch).loss.backward()
        opt.step()
        opt.zero_grad()
    model.save_pretrained(root / "hf")
    shutil.copy(spm_model, root / "hf" / "tokenizer.model")
    (root / "eval.txt").write_text("\n".join(lines[EVAL_LINES]) + "\n", encoding="utf-8")
    (root / "calib.txt").write_text("\n".join(lines[:400]) + "\n", encoding="utf-8")
    return root / "hf", root / "eval.txt", root / "calib.txt"


def _ppl(run_cli, *args) -> float:
    code, out, err = run_cli("ppl", *args, "--ctx", "128")
    assert code == 0, err
    return json.loads(out)["ppl"]


def test_quantized_agreement_and_perplexity(trained, tmp_path, run_cli):
    from lrtk.runtime.binding import NativeModel
    from lrtk.runtime.generate import windows
    from lrtk.runtime.tokenizer import Tokenizer, encode_file

    hf_dir, eval_txt, calib = trained
    files = {}
    for name, extra in {"f32": ["--bits", "f32"], "4": ["--bits", "4"], "3": ["--bits", "3"],
                        "2": ["--bits", "2"],
                        "2-gptq": ["--bits", "2", "--method", "gptq", "--calib", str(calib)]}.items():
        files[name] = tmp_path / f"m-{name}.lrtk"
        code, _, err = run_cli("export", str(hf_dir), "-o", str(files[name]), *extra)
        assert code == 0, err

    # Each export against the float model on held-out windows: top-1 agreement, and the mean
    # KL divergence of its next-token distribution. Uniform quantization error shrinks about
    # 2x per extra bit (4x in squared error), so the KL of 2, 3 and 4 bits is ordered with a
    # wide margin; perplexities of this small model differ by less than 1% between bit widths,
    # an order that summation order and CPU features (AVX2 vs AVX-512) can flip.
    model = transformers.LlamaForCausalLM.from_pretrained(hf_dir).eval()
    ids = encode_file(Tokenizer.from_dir(hf_dir, 1), str(eval_txt), 2048)
    reference = []
    for w in windows(ids, 128):
        with torch.no_grad():
            reference.append(torch.log_softmax(model(torch.tensor([w])).logits[0].double(), -1))
    agreement, kl = {}, {}
    for name, path in files.items():
        agree, div = [], []
        with NativeModel(str(path)) as native:
            for w, ref in zip(windows(ids, 128), reference):
                logp = torch.log_softmax(torch.from_numpy(
                    native.forward(w, 0, all_logits=True)).double(), -1)
                agree.append((logp.argmax(1) == ref.argmax(1)).numpy())
                div.append((ref.exp() * (ref - logp)).sum(1).numpy())
        agreement[name] = float(np.concatenate(agree).mean())
        kl[name] = float(np.concatenate(div).mean())

    ppl = {"hf": _ppl(run_cli, str(hf_dir), "--data", str(eval_txt))}
    ppl.update({name: _ppl(run_cli, str(f), "--data", str(eval_txt)) for name, f in files.items()})
    print(f"\non {len(ids)}+ TICO-19 tokens: " + "; ".join(
        f"{k}: top-1 {agreement[k]:.4f}, KL {kl[k]:.2e}, ppl {ppl[k]:.3f} "
        f"({ppl[k] / ppl['hf'] - 1:+.2%})" for k in files))
    assert agreement["f32"] >= 0.999 and agreement["4"] >= 0.95
    assert ppl["f32"] == pytest.approx(ppl["hf"], rel=1e-4)
    assert ppl["4"] < ppl["hf"] * 1.02
    assert kl["f32"] < kl["4"] / 100
    assert kl["4"] * 2 < kl["3"] and kl["3"] * 2 < kl["2"]
    assert kl["2-gptq"] < kl["2"] * 0.9  # calibration measurably helps at 2 bits

@pytest.fixture(scope="module")
def q2_model(trained, tmp_path_factory):
    from lrtk.export import QuantSpec, export, from_hf

    out = tmp_path_factory.mktemp("q2") / "m.lrtk"
    export(from_hf(trained[0]), out, QuantSpec(bits="2", group_size=64, head="4"))
    return out


def _greedy_python(path, prompt, n, kernel, prefill="auto"):
    from lrtk.kernels.binding import set_kernel, set_prefill
    from lrtk.runtime.binding import NativeModel, Sampler
    from lrtk.runtime.generate import generate_ids

    set_kernel(kernel)
    set_prefill(prefill)
    try:
        with NativeModel(str(path)) as m:
            return list(generate_ids(m, prompt, n, Sampler(m.config["vocab_size"])))
    finally:
        set_kernel("auto")
        set_prefill("auto")


def _lrtk_run(build_dir: str, *cmake_args: str) -> Path:
    """lrtk-run from a CMake build of `make native-test` (configured here if missing)."""
    build = REPO / "build" / build_dir
    if not (build / "CMakeCache.txt").exists():
        subprocess.run(["cmake", "-S", str(REPO), "-B", str(build), "-DLRTK_NATIVE_TESTS=ON",
                        "-DCMAKE_BUILD_TYPE=Release", *cmake_args],
                       check=True, capture_output=True, cwd=REPO)
    subprocess.run(["cmake", "--build", str(build), "--target", "lrtk-run", "-j", "2"],
                   check=True, capture_output=True)
    return build / "native" / "lrtk-run"


def _run_ids(cmd: list[str], model, prompt, n, kernel, prefill="auto") -> list[int]:
    out = subprocess.run([*cmd, str(model), "-i", " ".join(map(str, prompt)), "-n", str(n),
                          "-k", kernel], check=True, capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, QEMU_LD_PREFIX="/usr/aarch64-linux-gnu",
                                  LRTK_PREFILL=prefill))
    return list(map(int, out.stdout.split()))


@pytest.fixture(scope="module")
def q4_f16_head(trained, tmp_path_factory):
    """The default export: 4-bit layers, f16 embeddings and f16 (dense, SIMD dot) output head."""
    from lrtk.export import QuantSpec, export, from_hf

    out = tmp_path_factory.mktemp("q4") / "m.lrtk"
    export(from_hf(trained[0]), out, QuantSpec(bits="4"))
    return out


@pytest.mark.parametrize("prefill", ["tables", "int8"])
@pytest.mark.parametrize("model", ["q2_model", "q4_f16_head"])
def test_greedy_generation_identical_on_every_kernel(model, prefill, request):
    """Python binding (scalar, AVX2, AVX-512), the standalone lrtk-run on x86, and lrtk-run
    built for aarch64 with its NEON and scalar kernels under qemu all produce the same greedy
    tokens, with the prompt through the tables or through the int8 product (each int8 kernel
    equals the scalar one bit for bit; auto picks by CPU, so it is pinned here)."""
    from lrtk.kernels.binding import kernel_available

    path = request.getfixturevalue(model)
    prompt, n = [1, 45, 67, 89, 12, 150], 12
    scalar = _greedy_python(path, prompt, n, "scalar", prefill)
    assert len(scalar) == n
    host_kernels = ["scalar"] + [k for k in ("avx2", "avx512") if kernel_available(k)]
    for kernel in host_kernels[1:]:
        assert _greedy_python(path, prompt, n, kernel, prefill) == scalar
    if shutil.which("cmake") is None:
        pytest.skip("cmake not installed")
    host = _lrtk_run("native-test")
    for kernel in host_kernels:
        assert _run_ids([str(host)], path, prompt, n, kernel, prefill) == scalar, kernel
    for tool in ("aarch64-linux-gnu-gcc", "qemu-aarch64"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not installed (scripts/setup-system.sh installs it)")
    arm = _lrtk_run("native-aarch64", "-DCMAKE_TOOLCHAIN_FILE=native/cmake/aarch64-linux-gnu.cmake")
    for kernel in ("neon", "scalar"):
        assert _run_ids(["qemu-aarch64", str(arm)], path, prompt, n, kernel, prefill) == scalar, kernel


def test_decoding_token_by_token_matches_the_prompt_pass(q2_model):
    """One token at a time (SwiGLU inside the gate/up GEMV, each thread joining the pairs of
    tiles it computed) against the whole prompt through the tables (the product, then SwiGLU
    pair by pair after it): the same logits at every position, on one thread and on two."""
    from lrtk.kernels.binding import set_prefill
    from lrtk.runtime.binding import NativeModel

    ids = [1, 45, 67, 89, 12, 150, 33, 7, 250, 99, 4, 61, 18, 77, 140, 3, 220, 58, 9, 101]
    set_prefill("tables")
    try:
        for threads in (1, 2):
            with NativeModel(str(q2_model), threads=threads) as m:
                whole = m.forward(ids, 0, all_logits=True)
                steps = np.stack([m.forward([t], i) for i, t in enumerate(ids)])
            assert np.abs(steps - whole).max() <= 1e-4 * np.abs(whole).max(), threads
    finally:
        set_prefill("auto")


@pytest.mark.parametrize("model", ["q2_model", "q4_f16_head"])
def test_int8_prefill_agrees_with_the_tables(model, trained, request):
    """The int8 prefill product against the T-MAC tables on held-out TICO-19 windows: the same
    top-1 next token at (nearly) every position. Both round activations to int8 in their own
    way, so logits differ by more than summation order; the greedy choice must not."""
    from lrtk.kernels.binding import set_prefill
    from lrtk.runtime.binding import NativeModel
    from lrtk.runtime.generate import windows
    from lrtk.runtime.tokenizer import Tokenizer, encode_file

    hf_dir, eval_txt, _ = trained
    ids = encode_file(Tokenizer.from_dir(hf_dir, 1), str(eval_txt), 1024)
    top1 = {}
    try:
        for prefill in ("tables", "int8"):
            set_prefill(prefill)
            with NativeModel(str(request.getfixturevalue(model))) as m:
                top1[prefill] = np.concatenate([m.forward(w, 0, all_logits=True).argmax(1)
                                                for w in windows(ids, 128)])
    finally:
        set_prefill("auto")
    agreement = float((top1["tables"] == top1["int8"]).mean())
    print(f"\n{model}: int8 prefill vs tables top-1 agreement {agreement:.4f} "
          f"over {len(top1['int8'])} positions")
    assert agreement >= 0.95


def test_run_cli_streams_greedy_text_and_seeded_sampling(q2_model, run_cli):
    from lrtk.runtime.binding import NativeModel
    from lrtk.runtime.tokenizer import Tokenizer

    from lrtk.errors import DataError, UsageError

    with NativeModel(str(q2_model)) as m:
        tok = Tokenizer.from_model(m)
        ids = tok.encode("The virus spreads")
        eos = m.config["eos_id"]
        with pytest.raises(DataError, match="outside the model's vocabulary of 320"):
            m.forward([1, VOCAB], 0)
        with pytest.raises(UsageError, match="context full"):
            m.forward([1] * 257, 0)
    greedy = _greedy_python(q2_model, ids, 10, "auto")
    expected = tok.decode(greedy[:greedy.index(eos)] if eos in greedy else greedy)
    code, out, err = run_cli("run", str(q2_model), "--prompt", "The virus spreads", "-n", "10")
    assert code == 0, err
    assert out == expected + "\n"
    # Mapping the file instead of reading it into huge-page memory changes nothing but speed.
    assert run_cli("run", str(q2_model), "--prompt", "The virus spreads", "-n", "10",
                   "--mmap") == (0, out, err)

    sample = ("run", str(q2_model), "--prompt", "The virus", "-n", "16", "--temperature", "0.9",
              "--top-p", "0.9", "--top-k", "40")
    first = run_cli(*sample, "--seed", "7")
    assert first[0] == 0 and first == run_cli(*sample, "--seed", "7")
    # top-k 1 at any temperature is greedy decoding.
    code, out_k1, _ = run_cli("run", str(q2_model), "--prompt", "The virus spreads", "-n", "10",
                              "--temperature", "1.5", "--top-k", "1", "--seed", "3")
    assert out_k1 == out

    code, out, _ = run_cli("run", str(q2_model), "--interactive", "-n", "4",
                           stdin="The virus spreads\nHand washing\n")
    assert code == 0 and len(out.splitlines()) == 2
    code, _, err = run_cli("run", str(q2_model))
    assert code == 2 and "--prompt" in err


def test_run_cli_refuses_bad_sampling_and_says_when_the_context_fills(q2_model, run_cli):
    for option, value, what in [("--temperature", "-1", "temperature"), ("--top-p", "1.5", "top-p"),
                                ("--top-p", "0", "top-p"), ("--top-k", "-3", "top-k"),
                                ("--temperature", "nan", "temperature")]:
        code, out, err = run_cli("run", str(q2_model), "--prompt", "The virus", option, value)
        assert code == 2 and out == "", (option, value)
        assert len(err.strip().splitlines()) == 1 and f"{what} must be" in err, err
    # A 12-token context holds the prompt and then fills: fewer tokens than asked, and a warning.
    code, out, err = run_cli("run", str(q2_model), "--prompt", "The virus spreads", "-n", "50",
                             "--ctx", "12")
    assert code == 0 and out.strip()
    assert "context of 12 tokens is full" in err, err
    code, _, err = run_cli("run", str(q2_model), "--prompt", "The virus spreads", "-n", "3")
    assert code == 0 and "context" not in err


def test_ppl_and_bench_refuse_what_they_cannot_measure(q2_model, tmp_path, run_cli):
    data = tmp_path / "d.txt"
    data.write_text("The virus spreads from person to person.\n")
    # A path that is neither a model file nor a checkpoint: one line, not a Hub download
    # traceback; a directory without config.json is no checkpoint.
    code, out, err = run_cli("ppl", str(tmp_path / "missing"), "--data", str(data))
    assert code == 2 and out == "" and err.strip().splitlines() == [
        f"lrtk: error: {tmp_path / 'missing'}: model file not found"]
    code, _, err = run_cli("ppl", str(tmp_path), "--data", str(data))
    assert code == 2 and "no config.json in this directory" in err
    # The retired spelling still works for one release, with one warning line.
    code, _, err = run_cli("ppl", "--hf", str(tmp_path), "--data", str(data))
    assert code == 2 and "--hf is deprecated" in err and "no config.json" in err
    # A window of one token scores nothing.
    code, out, _ = run_cli("ppl", str(q2_model), "--data", str(data), "--ctx", "1")
    assert code == 2 and out == ""
    # The q2 model's context is 256 tokens.
    code, out, err = run_cli("bench", str(q2_model), "--threads", "1", "--prompt-tokens", "250",
                             "--decode-tokens", "10", "--repeats", "1")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "250 prompt + 10 decoded tokens do not fit this model's context of 256" in err
    code, _, err = run_cli("bench", str(q2_model), "--threads", "1,0")
    assert code == 2 and "positive numbers" in err


def test_lrtk_run_refuses_bad_sampling(q2_model):
    if shutil.which("cmake") is None:
        pytest.skip("cmake not installed")
    host = _lrtk_run("native-test")
    out = subprocess.run([str(host), str(q2_model), "-i", "1 45", "-n", "4", "-P", "1.5"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == "lrtk-run: top-p must be in (0, 1] (1: off)"


def test_bench_cli_reports_speed_and_memory(q2_model, run_cli):
    code, out, err = run_cli("bench", str(q2_model), "--threads", "1", "--decode-tokens", "4",
                             "--prompt-tokens", "20", "--repeats", "1", "--json")
    assert code == 0, err
    row = json.loads(out)
    assert row["prefill_tok_s"] > 0 and row["decode_tok_s"] > 0 and row["peak_rss_mib"] > 1
    # The decoding thread's CPU time is part of the wall time of the same (best) runs.
    assert 0 < row["decode_cpu_ms_per_token"] <= 1.01e3 / row["decode_tok_s"]
    # 2-bit body: packed planes + half scales and zeros + a 4-bit head + norms.
    assert 40_000 < row["weight_bytes_per_token"] < q2_model.stat().st_size
    # A model this small is read from cache, and so is the probe: one 16 MiB chunk.
    assert row["read_span_mb"] == 16 and row["bandwidth_fraction"] > 0
    code, out, _ = run_cli("bench", "model", str(q2_model), "-t", "1", "--decode-tokens", "2",
                           "--repeats", "1")
    assert code == 0 and "decode" in out and "tok/s" in out and "peak RSS" in out


def test_sampler_follows_temperature_top_k_and_top_p():
    from lrtk.runtime.binding import Sampler

    probs = np.array([0.5, 0.25, 0.15, 0.1])
    logits = np.log(probs).astype(np.float32)
    draws = lambda s: np.bincount([s(logits) for _ in range(4000)], minlength=4) / 4000  # noqa
    assert np.abs(draws(Sampler(4, temperature=1.0, seed=1)) - probs).max() < 0.03
    # Temperature 0.5 squares the odds: p ~ probs^2.
    sharp = probs ** 2 / (probs ** 2).sum()
    assert np.abs(draws(Sampler(4, temperature=0.5, seed=2)) - sharp).max() < 0.03
    top_k = draws(Sampler(4, temperature=1.0, top_k=2, seed=3))
    assert top_k[2:].sum() == 0 and abs(top_k[0] - 2 / 3) < 0.03
    # The nucleus of mass 0.7 is {0.5, 0.25}: the smallest prefix reaching it.
    top_p = draws(Sampler(4, temperature=1.0, top_p=0.7, seed=4))
    assert top_p[2:].sum() == 0 and top_p[1] > 0.2
    assert Sampler(4)(logits) == 0 and Sampler(4)(logits[::-1].copy()) == 3
    same = [Sampler(4, 1.0, seed=9)(logits) for _ in range(3)]
    assert len(set(same)) == 1


def test_read_probe_spans_what_one_token_reads():
    from lrtk.runtime.bench import probe_span_bytes

    mib = 2**20
    # The 2-bit TinyLlama shape reads 307,687,640 bytes a token: 19 chunks of 16 MiB.
    assert probe_span_bytes(307_687_640) == 304 * mib
    assert probe_span_bytes(32 * mib) == 32 * mib and probe_span_bytes(32 * mib + 1) == 48 * mib
    assert probe_span_bytes(1) == 16 * mib
