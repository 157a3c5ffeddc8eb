"""`lrtk train`: a tiny Llama from scratch on a TICO-19 bn/en mixture; exact resume."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from tiny_models import TICO_BN, TICO_EN, one_thread  # noqa: E402

one_thread()

SHAPE = ["--layers", "2", "--hidden", "32", "--heads", "4", "--kv-heads", "2",
         "--ctx", "48"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """bn/en training text (lines 0-1799), held-out lines 2000-2039, a tokenizer over both."""
    from tiny_models import bn_en_training_files

    return bn_en_training_files(tmp_path_factory.mktemp("train"), 1800, (2000, 2040), vocab=500)


def _args(data, out, *extra):
    return ["train", "--tokenizer", data["spm"], "--corpus", f"bn={data['bn']}",
            "--corpus", f"en={data['en']}", "--eval", f"bn={data['bn.dev']}",
            "--eval", f"en={data['en.dev']}", *SHAPE, "--batch-size", "8", "--lr", "3e-3",
            "-o", out, *extra]


def _records(out):
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def test_from_scratch_learns_and_loads_with_auto_classes(data, run_cli, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out = tmp_path / "lm"
    code, _, err = run_cli(*_args(data, out, "--steps", "30", "--mix", "temperature",
                                  "--tau", "2"))
    assert code == 0, err
    report = json.loads((out / "train_report.json").read_text())
    for lang in ("bn", "en"):
        assert report["final_eval_loss"][lang] < report["initial_eval_loss"][lang] - 0.5
    assert "bn" in err and "->" in err  # summary on stderr
    model = AutoModelForCausalLM.from_pretrained(out)
    tok = AutoTokenizer.from_pretrained(out)
    assert type(model).__name__ == "LlamaForCausalLM"
    assert model.config.vocab_size == len(tok) == 500
    assert (out / "tokenizer.model").read_bytes() == data["spm"].read_bytes()
    ids = tok("আর তার সাথে জ্বরও", return_tensors="pt").input_ids
    assert ids[0, 0] == tok.bos_token_id and (ids != tok.unk_token_id).all()
    assert model(ids).logits.shape == (1, ids.shape[1], 500)


def test_resume_gives_the_uninterrupted_loss_curve(data, run_cli, tmp_path):
    """Run 12 steps with checkpoints every 6; drop the last checkpoint and resume from step
    6: losses, learning rates, eval losses and final weights match the uninterrupted run."""
    import shutil

    from safetensors.torch import load_file

    out = tmp_path / "lm"
    args = _args(data, out, "--steps", "12", "--checkpoint-every", "6", "--mix", "cooldown",
                 "--tau", "1", "--tau-end", "4", "--decay-fraction", "0.5", "--seed", "7")
    code, _, err = run_cli(*args)
    assert code == 0, err
    full = _records(out)
    weights = load_file(out / "model.safetensors")
    ckpt = tmp_path / "lm.ckpt"
    shutil.rmtree(ckpt / "step-00000012")
    shutil.rmtree(out)

    code, _, err = run_cli(*args, "--resume")
    assert code == 0, err
    assert "resumed" in err and "step 6" in err
    assert _records(out) == full
    assert len([r for r in full if "loss" in r]) == 12
    resumed = load_file(out / "model.safetensors")
    assert all(torch.equal(weights[k], resumed[k]) for k in weights)


def test_cooldown_switch_lines_up_with_wsd_decay(data):
    from lrtk.train.run import TrainConfig, _plan
    from lrtk.train.schedule import decay_start

    config = TrainConfig(output="unused", corpora=[f"bn={data['bn']}", f"en={data['en']}"],
                         mix="cooldown", tau=1, tau_end=5, steps=40, batch_size=8,
                         decay_fraction=0.25)
    plan = _plan(config)
    assert decay_start(40, "wsd", 0.25) == 30
    assert plan.phases[0].draws == 30 * 8
    assert sum(p.draws for p in plan.phases) == 40 * 8


def test_wsd_learning_rate_is_flat_then_decays(data, run_cli, tmp_path):
    out = tmp_path / "lm"
    code, _, err = run_cli(*_args(data, out, "--steps", "10", "--warmup-steps", "2",
                                  "--decay-fraction", "0.3"))
    assert code == 0, err
    lrs = [r["lr"] for r in _records(out) if "lr" in r]
    # After step s the scheduler has stepped s times: warmup 2, stable to step 7, decay 3.
    assert lrs[0] < lrs[1] == pytest.approx(3e-3)
    assert all(lr == pytest.approx(3e-3) for lr in lrs[1:7])
    assert lrs[7] > lrs[8] > lrs[9]


def test_continue_pretraining_a_checkpoint(data, run_cli, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert run_cli(*_args(data, first, "--steps", "6"))[0] == 0
    code, _, err = run_cli("train", "--model", first, "--corpus", f"bn={data['bn']}",
                           "--eval", f"bn={data['bn.dev']}", "--steps", "6", "--lr", "3e-3",
                           "--batch-size", "8", "-o", second)
    assert code == 0, err
    a = json.loads((first / "train_report.json").read_text())
    b = json.loads((second / "train_report.json").read_text())
    assert b["initial_eval_loss"]["bn"] == pytest.approx(a["final_eval_loss"]["bn"], abs=1e-5)
    assert b["final_eval_loss"]["bn"] < b["initial_eval_loss"]["bn"]


@pytest.mark.parametrize("extra, message", [
    ([], "needs --tokenizer"),
    (["--tokenizer", "TOK", "--plan", "p.json"], "either --plan or --corpus"),
    (["--tokenizer", "TOK", "--heads", "3"], "heads"),
    (["--tokenizer", "TOK", "--backend", "fairseq2"], "make setup-fairseq2"),
])
def test_bad_usage_is_one_line(data, run_cli, tmp_path, extra, message):
    if "fairseq2" in extra:
        try:
            import fairseq2.data.data_pipeline  # noqa: F401
            pytest.skip("fairseq2 is installed here")
        except ImportError:
            pass
    extra = [str(data["spm"]) if a == "TOK" else a for a in extra]
    out = tmp_path / "lm"
    code, _, err = run_cli("train", "--corpus", f"bn={data['bn']}", "--steps", "2", *SHAPE,
                           *extra, "-o", out)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_trains_on_a_saved_sample_plan(data, run_cli, tmp_path):
    """The plan file of `lrtk sample plan --report` drives training; too small a budget is a
    one-line usage error naming the budget needed."""
    plan = tmp_path / "plan.json"
    code, _, err = run_cli("sample", "plan", "--corpus", f"bn={data['bn']}", "--corpus",
                           f"en={data['en']}", "--mix", "unimax", "--budget", "40",
                           "--report", plan)
    assert code == 0, err
    common = ["train", "--tokenizer", data["spm"], "--plan", plan, *SHAPE,
              "--batch-size", "8", "--eval", f"bn={data['bn.dev']}"]
    code, _, err = run_cli(*common, "--steps", "6", "-o", tmp_path / "big")
    assert code == 2 and "--budget 48" in err and not (tmp_path / "big").exists()
    code, _, err = run_cli(*common, "--steps", "5", "-o", tmp_path / "lm")
    assert code == 0, err
    assert len([r for r in _records(tmp_path / "lm") if "loss" in r]) == 5


def test_two_processes_give_the_single_process_loss_curve(data, run_cli, tmp_path):
    """torchrun with 2 CPU processes (gloo): each takes half of every global batch, the loss
    is the global token mean, and only rank 0 writes the output."""
    import os
    import subprocess
    import sys

    args = ["--tokenizer", str(data["spm"]), "--corpus", f"bn={data['bn']}", "--corpus",
            f"en={data['en']}", "--eval", f"bn={data['bn.dev']}", "--eval-examples", "16",
            *SHAPE, "--steps", "3", "--batch-size", "8", "--lr", "3e-3", "--seed", "4"]
    code, _, err = run_cli("train", *args, "-o", tmp_path / "single")
    assert code == 0, err
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           "--nproc_per_node", "2", "-m", "lrtk.cli.main", "train", *args, "-o",
                           str(tmp_path / "ddp")],
                          # CPU processes (gloo) even where a GPU is present: two processes
                          # cannot share one GPU through NCCL.
                          env=dict(os.environ, OMP_NUM_THREADS="1", CUDA_VISIBLE_DEVICES=""),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "2 processes" in done.stderr and done.stderr.count("train: wrote") == 1
    single, ddp = _records(tmp_path / "single"), _records(tmp_path / "ddp")
    assert [r["step"] for r in ddp] == [r["step"] for r in single]
    for a, b in zip(single, ddp):
        if "loss" in a:
            assert b["loss"] == pytest.approx(a["loss"], abs=1e-4)
        else:
            assert b["eval_loss"]["bn"] == pytest.approx(a["eval_loss"]["bn"], abs=1e-4)


def test_output_tokenizer_gives_sentencepiece_ids(data, run_cli, tmp_path):
    """The fast tokenizer saved with the model must give the ids sentencepiece (and so the
    native runtime) gives: transformers' Llama conversion drops the NFKC normalizer and
    changed every Bengali line. Model from `lrtk tokenizer train` (byte fallback on)."""
    import sentencepiece as spm
    from transformers import AutoTokenizer

    from lrtk.train.tokenizer import save_tokenizer

    code, _, err = run_cli("tokenizer", "train", "--corpus", f"bn={data['bn']}", "--corpus",
                           f"en={data['en']}", "--vocab-size", "800", "-o", tmp_path / "spm")
    assert code == 0, err
    save_tokenizer(tmp_path / "spm.model", tmp_path / "hf")
    tok = AutoTokenizer.from_pretrained(tmp_path / "hf")
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "spm.model"))
    lines = [line for key in ("bn.dev", "en.dev")
             for line in data[key].read_text(encoding="utf-8").splitlines()]
    lines += ["দুই  স্পেস, ইমোজি 😷 এবং ﬁ লিগেচার"]  # folded spaces, byte fallback, NFKC
    same = [sp.encode(line) == tok(line).input_ids[1:] for line in lines]
    assert sum(same) >= len(lines) - 1 and same[-1]
    assert tok.decode(tok(lines[-1]).input_ids, skip_special_tokens=True) == \
        sp.decode(sp.encode(lines[-1]))


def test_a_fresh_run_removes_older_checkpoints(data, run_cli, tmp_path):
    """Without --resume the run starts over, so a later --resume cannot pick up a
    checkpoint of an earlier, longer run."""
    out = tmp_path / "lm"
    assert run_cli(*_args(data, out, "--steps", "4", "--checkpoint-every", "4"))[0] == 0
    code, _, err = run_cli(*_args(data, out, "--steps", "2", "--checkpoint-every", "1"))
    assert code == 0 and "removed the old checkpoints" in err
    assert [p.name for p in sorted((tmp_path / "lm.ckpt").glob("step-*"))] == \
        ["step-00000001", "step-00000002"]
