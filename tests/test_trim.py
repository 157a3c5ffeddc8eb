"""lrtk trim-vocab on tiny random models of each supported family, built here from configs
with tokenizers trained on TICO-19 Bengali + English (first 600 lines of each) and trimmed
to the Bengali part (the first 200 Bengali lines): the trimmed model must give the same
logits on the kept ids, its tokenizer the renumbered ids, its size shrink by exactly the
dropped rows; a trimmed Llama exports and runs natively."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from tiny_models import one_thread, tiny_config  # noqa: E402

from lrtk.sampling import parse_corpus_options  # noqa: E402
from lrtk.trim import trim_model  # noqa: E402

# family -> (model class, sentencepiece special ids, tokenizer class)
FAMILIES = {
    "llama": ("LlamaForCausalLM", dict(unk_id=0, bos_id=1, eos_id=2, pad_id=3), "LlamaTokenizerFast"),
    "mt5": ("MT5ForConditionalGeneration", dict(pad_id=0, eos_id=1, unk_id=2, bos_id=-1),
            "T5TokenizerFast"),
    "mbart": ("MBartForConditionalGeneration", dict(unk_id=0, bos_id=1, eos_id=2, pad_id=-1),
              "MBartTokenizerFast"),
    "xlm-roberta": ("XLMRobertaForMaskedLM", dict(unk_id=0, bos_id=1, eos_id=2, pad_id=-1),
                    "XLMRobertaTokenizerFast"),
}


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    from conftest import shared_path as shared

    root = tmp_path_factory.mktemp("trim")
    bn = shared("tico19", "en-bn", "tico19-test.bn").read_text(encoding="utf-8").splitlines()
    en = shared("tico19", "en-bn", "tico19-test.en").read_text(encoding="utf-8").splitlines()
    (root / "both.txt").write_text("\n".join(bn[:600] + en[:600]) + "\n", encoding="utf-8")
    (root / "bn.txt").write_text("\n".join(bn[:200]) + "\n", encoding="utf-8")
    return {"root": root, "bn": bn[:200]}


def build(family: str, root: Path, model_type: str = "unigram") -> Path:
    """A random tiny model of `family` with its tokenizer, saved as save_pretrained does."""
    import sentencepiece as spm

    one_thread()
    out = root / f"{family}-{model_type}"
    if out.exists():
        return out
    if family == "bert":
        from tokenizers import BertWordPieceTokenizer

        wp = BertWordPieceTokenizer(lowercase=False)
        wp.train([str(root / "both.txt")], vocab_size=900, show_progress=False)
        out.mkdir()
        wp.save_model(str(out))
        tok = transformers.BertTokenizerFast(vocab_file=str(out / "vocab.txt"))
        cls, ids = "BertForMaskedLM", dict(pad_token_id=0)
    else:
        cls, special, tok_cls = FAMILIES[family]
        prefix = root / f"{family}-{model_type}-spm"
        spm.SentencePieceTrainer.train(input=str(root / "both.txt"), model_prefix=str(prefix),
                                       vocab_size=800, model_type=model_type, byte_fallback=True,
                                       character_coverage=1.0, minloglevel=2, num_threads=1,
                                       **special)
        extra = dict(extra_ids=5) if family == "mt5" else {}
        tok = getattr(transformers, tok_cls)(vocab_file=str(prefix) + ".model", **extra)
        ids = dict(pad_token_id=1, bos_token_id=0, eos_token_id=2) if family == "xlm-roberta" else {}
    config = tiny_config("xlm-roberta" if family == "bert" else family, len(tok)) \
        if family != "bert" else transformers.BertConfig(
            vocab_size=len(tok), hidden_size=48, intermediate_size=96, num_hidden_layers=2,
            num_attention_heads=4, max_position_embeddings=130)
    for key, value in ids.items():
        setattr(config, key, value)
    torch.manual_seed(0)
    getattr(transformers, cls)(config).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def logits(model, ids: list[int]):
    batch = torch.tensor([ids])
    with torch.no_grad():
        if model.config.is_encoder_decoder:
            return model(input_ids=batch, decoder_input_ids=batch).logits[0]
        return model(input_ids=batch).logits[0]


# Rows of parameters each dropped token takes: embedding, untied head, MLM bias.
ROW_PARAMS = {"llama": 2 * 48, "mt5": 2 * 48, "mbart": 48, "xlm-roberta": 49, "bert": 49}


@pytest.mark.parametrize("family,model_type", [
    ("llama", "unigram"), ("llama", "bpe"), ("mt5", "unigram"), ("mbart", "unigram"),
    ("xlm-roberta", "unigram"), ("bert", "wordpiece")])
def test_trimmed_model_computes_the_same_logits(family, model_type, texts):
    root = texts["root"]
    src = build(family, root, model_type)
    out = root / f"{family}-{model_type}-bn"
    report = trim_model(src, parse_corpus_options([f"bn={root / 'bn.txt'}"]), out)
    old_tok = transformers.AutoTokenizer.from_pretrained(src)
    new_tok = transformers.AutoTokenizer.from_pretrained(out)
    old = getattr(transformers, json.loads((src / "config.json").read_text())["architectures"][0])
    old_model, new_model = old.from_pretrained(src).eval(), old.from_pretrained(out).eval()

    # Dropping tokens the corpus never produced leaves its segmentation alone (BPE too,
    # thanks to the substring closure).
    assert report["identical_lines"] == {"bn": 1.0}
    assert report.get("identical_lines_spm", {"bn": 1.0}) == {"bn": 1.0}
    assert ("identical_lines_spm" in report) == (family != "bert")
    kept = old_tok.convert_tokens_to_ids(new_tok.convert_ids_to_tokens(list(range(len(new_tok)))))
    assert kept == sorted(kept) and len(kept) == report["after"]["vocab"] < len(old_tok)
    dropped = report["before"]["vocab"] - report["after"]["vocab"]
    assert report["before"]["params"] - report["after"]["params"] == dropped * ROW_PARAMS[family]
    assert report["after"]["weight_bytes"] < report["before"]["weight_bytes"]

    new_id = {old_id: i for i, old_id in enumerate(kept)}
    for line in texts["bn"][:3]:
        old_ids = old_tok(line).input_ids[:40]
        new_ids = new_tok(line).input_ids[:40]
        assert new_ids == [new_id[i] for i in old_ids]
        torch.testing.assert_close(logits(new_model, new_ids), logits(old_model, old_ids)[:, kept],
                                   atol=1e-4, rtol=0)
    if family != "bert":  # the slow tokenizer, on the rewritten sentencepiece model
        old_slow = transformers.AutoTokenizer.from_pretrained(src, use_fast=False)
        new_slow = transformers.AutoTokenizer.from_pretrained(out, use_fast=False)
        for line in texts["bn"][:20]:
            assert new_slow(line).input_ids == [new_id[i] for i in old_slow(line).input_ids]
    old_cfg, new_cfg = old_model.config, new_model.config
    assert new_cfg.vocab_size == len(kept)
    for key in ("pad_token_id", "bos_token_id", "eos_token_id", "decoder_start_token_id"):
        if isinstance(getattr(old_cfg, key, None), int):
            assert getattr(new_cfg, key) == new_id[getattr(old_cfg, key)], key


def test_coverage_cut_changes_exactly_the_lines_with_a_dropped_token(texts, run_cli, tmp_path):
    root = texts["root"]
    src = build("llama", root)
    report_path = tmp_path / "report.json"
    code, _, err = run_cli("trim-vocab", src, "--corpus", f"bn={root / 'bn.txt'}",
                           "--coverage", "0.95", "-o", tmp_path / "cut", "--report", report_path)
    assert code == 0, err
    assert "tokenize identically" in err and "parameters saved" in err
    report = json.loads(report_path.read_text())
    old_tok = transformers.AutoTokenizer.from_pretrained(src)
    new_tok = transformers.AutoTokenizer.from_pretrained(tmp_path / "cut")
    kept = set(old_tok.convert_tokens_to_ids(new_tok.convert_ids_to_tokens(range(len(new_tok)))))
    # Unigram: a line keeps its segmentation exactly when none of its tokens was dropped.
    whole = [all(i in kept for i in old_tok(line, add_special_tokens=False).input_ids)
             for line in texts["bn"]]
    assert 0 < sum(whole) < len(whole)
    assert report["identical_lines"]["bn"] == sum(whole) / len(whole)
    assert report["after"]["vocab"] == len(kept) < report["before"]["vocab"]


def test_trimmed_llama_exports_and_runs_natively(texts, run_cli, tmp_path):
    import numpy as np

    from lrtk.export import QuantSpec, export, from_hf
    from lrtk.runtime.binding import NativeModel
    from lrtk.runtime.tokenizer import Tokenizer

    root = texts["root"]
    trimmed = root / "llama-unigram-bn"
    if not trimmed.exists():
        trim_model(build("llama", root), parse_corpus_options([f"bn={root / 'bn.txt'}"]), trimmed)
    export(from_hf(trimmed), tmp_path / "m.lrtk", QuantSpec(bits="f32"))
    hf = transformers.LlamaForCausalLM.from_pretrained(trimmed).eval()
    with NativeModel(str(tmp_path / "m.lrtk"), threads=1) as native:
        ids = Tokenizer.from_model(native).encode(texts["bn"][5])[:30]
        assert ids == transformers.AutoTokenizer.from_pretrained(trimmed)(texts["bn"][5]).input_ids[:30]
        with torch.no_grad():
            expected = hf(torch.tensor([ids])).logits[0].numpy()
        assert np.abs(native.forward(ids, 0, all_logits=True) - expected).max() <= 1e-3
    code, out, err = run_cli("run", tmp_path / "m.lrtk", "--prompt", texts["bn"][5][:20], "-n", "5")
    assert code == 0, err


def test_gzip_and_jsonl_corpora_keep_the_same_tokens(texts, tmp_path):
    """The corpus is read like every other stage's: .gz and {"text"} JSONL give the same cut."""
    import gzip

    root = texts["root"]
    src = build("llama", root)
    with gzip.open(tmp_path / "bn.txt.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(texts["bn"]) + "\n")
    with gzip.open(tmp_path / "bn.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                      for i, t in enumerate(texts["bn"]))
    vocabs = []
    for corpus in (root / "bn.txt", tmp_path / "bn.txt.gz", tmp_path / "bn.jsonl.gz"):
        out = tmp_path / corpus.name.replace(".", "-")
        report = trim_model(src, parse_corpus_options([f"bn={corpus}"]), out)
        assert report["corpus_lines"] == {"bn": 200}
        vocabs.append(transformers.AutoTokenizer.from_pretrained(out).get_vocab())
    assert vocabs[0] == vocabs[1] == vocabs[2]
