"""Tiny models and a sentencepiece tokenizer built inside the tests (nothing downloaded).

The models are saved to a directory and loaded back by path, exactly as a user's local
checkpoint is, so the tests run the same code paths as `lrtk tune --model DIR`.
"""

from __future__ import annotations

import json
from pathlib import Path

def one_thread() -> None:
    """Shared CI machines: torch's intra-op threads spin against other processes and make
    tiny models ten times slower, so the tests compute on one thread."""
    import torch

    torch.set_num_threads(1)


TICO_BN = ("tico19", "en-bn", "tico19-test.bn")
TICO_EN = ("tico19", "en-bn", "tico19-test.en")


def train_spm(text_file: Path, prefix: Path, vocab: int = 400) -> Path:
    """A unigram model with pad and <mask> pieces, so one tokenizer serves CLM and MLM."""
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(input=str(text_file), model_prefix=str(prefix),
                                   vocab_size=vocab, model_type="unigram",
                                   character_coverage=1.0, pad_id=3,
                                   user_defined_symbols=["<mask>"], minloglevel=2,
                                   num_threads=1)
    return prefix.with_suffix(".model")


def bn_en_training_files(root: Path, n_train: int, dev: tuple[int, int], vocab: int) -> dict:
    """TICO-19 bn/en text for `lrtk train` tests: the first n_train lines of each language,
    held-out lines dev[0]:dev[1], and a sentencepiece model trained over both."""
    from conftest import shared_path

    files: dict = {"root": root}
    for lang, parts in (("bn", TICO_BN), ("en", TICO_EN)):
        lines = shared_path(*parts).read_text(encoding="utf-8").splitlines()
        files[lang] = root / f"{lang}.txt"
        files[lang].write_text("\n".join(lines[:n_train]) + "\n", encoding="utf-8")
        files[f"{lang}.dev"] = root / f"{lang}.dev.txt"
        files[f"{lang}.dev"].write_text("\n".join(lines[dev[0]:dev[1]]) + "\n", encoding="utf-8")
    both = root / "both.txt"
    both.write_text(files["bn"].read_text(encoding="utf-8") + files["en"].read_text(
        encoding="utf-8"), encoding="utf-8")
    files["spm"] = train_spm(both, root / "bnen", vocab=vocab)
    return files


def write_text_jsonl(lines: list[str], path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps({"text": line}, ensure_ascii=False) + "\n")
    return path


def tiny_config(family: str, vocab: int):
    from transformers import (BertConfig, GPT2Config, LlamaConfig, MistralConfig,
                              Qwen2Config, XLMRobertaConfig)

    common = dict(vocab_size=vocab, pad_token_id=3, bos_token_id=1, eos_token_id=2)
    if family == "llama":
        return LlamaConfig(hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2,
                           max_position_embeddings=128, **common)
    if family == "mistral":
        return MistralConfig(hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2,
                             max_position_embeddings=128, sliding_window=None, **common)
    if family == "qwen2":
        return Qwen2Config(hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                           num_attention_heads=4, num_key_value_heads=2,
                           max_position_embeddings=128, **common)
    if family == "gpt2":
        return GPT2Config(n_embd=48, n_layer=2, n_head=4, n_positions=128, **common)
    if family == "bert":
        return BertConfig(hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                          num_attention_heads=4, max_position_embeddings=130, **common)
    if family == "xlm-roberta":
        return XLMRobertaConfig(hidden_size=48, intermediate_size=96, num_hidden_layers=2,
                                num_attention_heads=4, max_position_embeddings=130,
                                **common)
    if family == "mt5":
        # T5's numbering: pad 0 (also the decoder start), eos 1, no bos; untied lm_head.
        from transformers import MT5Config

        return MT5Config(vocab_size=vocab, d_model=48, d_kv=12, d_ff=96, num_layers=2,
                         num_decoder_layers=2, num_heads=4, relative_attention_num_buckets=8,
                         pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
                         tie_word_embeddings=False)
    if family == "mbart":
        # fairseq's numbering (bos 0, pad 1, eos 2); tied head plus final_logits_bias.
        from transformers import MBartConfig

        return MBartConfig(vocab_size=vocab, d_model=48, encoder_layers=2, decoder_layers=2,
                           encoder_attention_heads=4, decoder_attention_heads=4,
                           encoder_ffn_dim=96, decoder_ffn_dim=96, max_position_embeddings=128,
                           pad_token_id=1, bos_token_id=0, eos_token_id=2,
                           decoder_start_token_id=2)
    raise ValueError(family)


def save_tiny_model(family: str, tokenizer, directory: Path, seed: int = 0) -> Path:
    import torch
    from transformers import AutoModelForCausalLM, AutoModelForMaskedLM

    torch.manual_seed(seed)
    config = tiny_config(family, len(tokenizer))
    masked = family in ("bert", "xlm-roberta")
    model = (AutoModelForMaskedLM if masked else AutoModelForCausalLM).from_config(config)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
