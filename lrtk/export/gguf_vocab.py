"""The checkpoint's tokenizer as GGUF `tokenizer.ggml.*` keys, so llama.cpp splits text into
the ids the model was trained on.

llama.cpp has one tokenizer per algorithm, chosen by `tokenizer.ggml.model`:
- sentencepiece unigram (lrtk's default) -> "t5", llama.cpp's Viterbi tokenizer, which also
  applies the model's own normalization rules (precompiled_charsmap: NFKC etc.). The "llama"
  tokenizer would merge pieces pairwise by score instead, which is sentencepiece's BPE, not
  unigram, and changes the pieces of Bengali and Sinhala words.
- sentencepiece BPE -> "llama" (pairwise merges by score, byte fallback).
- tokenizer.json Unigram -> "t5"; tokenizer.json byte-level BPE -> "gpt2" with its merges and
  the pre-tokenizer llama.cpp knows by name.
"""

from __future__ import annotations

import base64
import json

from lrtk.errors import DataError
from lrtk.io.progress import info

# Token types (sentencepiece's ModelProto.SentencePiece.Type numbering, which GGUF shares).
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6

# Byte-level BPE pre-tokenizer regexes (as tokenizer.json spells them) -> llama.cpp's name.
PRE_TOKENIZERS = {
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+"
    "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": "qwen2",
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+"
    "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+": "llama-bpe",
}


def add_vocab(writer, blobs: dict[str, bytes], config: dict, where: str) -> int:
    """Writes the tokenizer keys; returns the number of tokens (padded to the model's vocab)."""
    settings = _json(blobs, "tokenizer_config.json", where) or {}
    hf = _json(blobs, "tokenizer.json", where)
    if "tokenizer.model" in blobs:
        vocab = _sentencepiece(blobs["tokenizer.model"], where)
    elif hf is not None and hf["model"]["type"] == "Unigram":
        vocab = _hf_unigram(hf)
    elif hf is not None and hf["model"]["type"] == "BPE":
        vocab = _hf_byte_bpe(hf, where)
    else:
        raise DataError("no tokenizer llama.cpp can use", path=where,
                        hint="the directory needs tokenizer.model, or a tokenizer.json with a "
                        "Unigram or byte-level BPE model")
    tokens, scores, types = vocab["tokens"], vocab["scores"], vocab["types"]
    n_vocab = config["vocab_size"]
    if len(tokens) > n_vocab:
        raise DataError(f"the tokenizer has {len(tokens)} tokens but the model's embedding "
                        f"only {n_vocab} rows", path=where)
    # Rows past the tokenizer (vocabularies padded for speed) get placeholder tokens, as
    # llama.cpp's converter writes them: every row needs a token.
    for i in range(len(tokens), n_vocab):
        tokens.append(f"[PAD{i}]")
        scores.append(-1000.0)
        types.append(UNUSED)
    writer.add_tokenizer_model(vocab["model"])
    writer.add_tokenizer_pre(vocab.get("pre", "default"))
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    if "merges" in vocab:
        writer.add_token_merges(vocab["merges"])
    if "charsmap" in vocab:
        writer.add_precompiled_charsmap(vocab["charsmap"])
    if "add_space_prefix" in vocab:
        writer.add_add_space_prefix(vocab["add_space_prefix"])
    if "remove_extra_whitespaces" in vocab:
        writer.add_remove_extra_whitespaces(vocab["remove_extra_whitespaces"])
    # BOS / EOS as the model (and lrtk's runtime) uses them; unk / pad from the tokenizer.
    ids = {"unk": -1, "pad": -1, **vocab.get("ids", {}),
           "bos": config["bos_id"], "eos": config["eos_id"]}
    for kind, adder in (("bos", writer.add_bos_token_id), ("eos", writer.add_eos_token_id),
                        ("unk", writer.add_unk_token_id), ("pad", writer.add_pad_token_id)):
        if ids[kind] >= 0:
            adder(ids[kind])
    add_bos = _adds_bos(hf, settings, vocab["model"] != "gpt2")
    writer.add_add_bos_token(add_bos and ids["bos"] >= 0)
    writer.add_add_eos_token(False)
    return n_vocab


def _json(blobs: dict[str, bytes], name: str, where: str) -> dict | None:
    if name not in blobs:
        return None
    try:
        return json.loads(blobs[name])
    except (ValueError, UnicodeDecodeError) as e:
        raise DataError(f"invalid JSON in {name}: {e}", path=where) from None


def _adds_bos(hf: dict | None, settings: dict, default: bool) -> bool:
    """Whether encoding starts with BOS, as lrtk's tokenizer does it: the tokenizer.json
    post-processor decides when there is one, else tokenizer_config.json's add_bos_token."""
    post = (hf or {}).get("post_processor") or {}
    if post.get("type") == "TemplateProcessing":
        first = post["single"][0]
        return "SpecialToken" in first
    if hf is not None:
        return False  # no template: the fast tokenizer adds nothing
    return bool(settings.get("add_bos_token", default))


def _sentencepiece(data: bytes, where: str) -> dict:
    try:
        from sentencepiece import sentencepiece_model_pb2
    except ImportError:  # the generated module needs protobuf
        raise DataError("reading tokenizer.model needs the protobuf package", path=where,
                        hint="pip install 'lrtk[export]'") from None
    proto = sentencepiece_model_pb2.ModelProto()
    try:
        proto.ParseFromString(data)
    except Exception:  # protobuf's DecodeError is not importable under one name everywhere
        raise DataError("tokenizer.model is not a sentencepiece model", path=where) from None
    trainer, norm = proto.trainer_spec, proto.normalizer_spec
    unigram = trainer.model_type == sentencepiece_model_pb2.TrainerSpec.UNIGRAM
    if not unigram and trainer.model_type != sentencepiece_model_pb2.TrainerSpec.BPE:
        raise DataError("only unigram and BPE sentencepiece models run in llama.cpp",
                        path=where)
    vocab = {"model": "t5" if unigram else "llama",
             "tokens": [p.piece for p in proto.pieces],
             "scores": [p.score for p in proto.pieces],
             "types": [p.type for p in proto.pieces],
             "ids": {"unk": trainer.unk_id, "pad": trainer.pad_id},
             "add_space_prefix": norm.add_dummy_prefix,
             "remove_extra_whitespaces": norm.remove_extra_whitespaces}
    if unigram and norm.precompiled_charsmap:
        vocab["charsmap"] = norm.precompiled_charsmap
    if unigram and trainer.byte_fallback:
        # Said once per export: the one place llama.cpp's ids can depart from lrtk's.
        info("gguf: llama.cpp's unigram tokenizer has no byte fallback: a character outside "
             "the vocabulary is <unk> there, UTF-8 byte pieces in lrtk (docs/gguf.md)")
    return vocab


def _hf_unigram(hf: dict) -> dict:
    model = hf["model"]
    tokens = [piece for piece, _ in model["vocab"]]
    scores = [score for _, score in model["vocab"]]
    types = [NORMAL] * len(tokens)
    if model.get("byte_fallback"):
        for i, t in enumerate(tokens):
            if len(t) == 6 and t.startswith("<0x") and t.endswith(">"):
                types[i] = BYTE
    for added in hf.get("added_tokens", []):
        types[added["id"]] = CONTROL if added["special"] else USER_DEFINED
    unk = model.get("unk_id")
    if unk is not None:
        types[unk] = UNKNOWN
    vocab = {"model": "t5", "tokens": tokens, "scores": scores, "types": types,
             "ids": {"unk": unk if unk is not None else -1}}
    for step in _steps(hf.get("normalizer")):
        if step.get("type") == "Precompiled" and step.get("precompiled_charsmap"):
            vocab["charsmap"] = base64.b64decode(step["precompiled_charsmap"])
    for step in _steps(hf.get("pre_tokenizer")):
        if step.get("type") == "Metaspace":
            vocab["add_space_prefix"] = step.get("prepend_scheme", "always") != "never"
    return vocab


def _hf_byte_bpe(hf: dict, where: str) -> dict:
    model = hf["model"]
    steps = _steps(hf.get("pre_tokenizer"))
    if not any(s.get("type") == "ByteLevel" for s in steps):
        raise DataError("tokenizer.json BPE without byte-level pre-tokenization needs its "
                        "tokenizer.model for llama.cpp", path=where)
    splits = [s["pattern"].get("Regex") for s in steps if s.get("type") == "Split"]
    if not splits and any(s.get("type") == "ByteLevel" and s.get("use_regex", True)
                          for s in steps):
        pre = "gpt-2"
    elif len(splits) == 1 and splits[0] in PRE_TOKENIZERS:
        pre = PRE_TOKENIZERS[splits[0]]
    else:
        raise DataError("the BPE pre-tokenizer is not one llama.cpp knows by name "
                        "(GPT-2, Qwen2 and Llama 3 regexes are)", path=where)
    by_id = {i: t for t, i in model["vocab"].items()}
    types = {i: NORMAL for i in by_id}
    for added in hf.get("added_tokens", []):
        by_id[added["id"]] = added["content"]
        types[added["id"]] = CONTROL if added["special"] else USER_DEFINED
    n = max(by_id) + 1
    tokens = [by_id.get(i, f"[PAD{i}]") for i in range(n)]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    return {"model": "gpt2", "pre": pre, "tokens": tokens, "scores": [0.0] * n,
            "types": [types.get(i, UNUSED) for i in range(n)], "merges": merges}


def _steps(component: dict | None) -> list[dict]:
    """A normalizer or pre-tokenizer as its list of steps (a Sequence or a single one)."""
    if not component:
        return []
    key = "normalizers" if "normalizers" in component else "pretokenizers"
    return component.get(key, [component]) if component.get("type") == "Sequence" else [component]
