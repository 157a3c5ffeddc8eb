"""Slice a Hugging Face model's vocabulary-sized tensors to the kept ids.

The input embedding and the output head are found through transformers' own accessors;
the rest is per family: BART/mBART keep a `final_logits_bias` buffer, BERT/XLM-R an MLM
bias beside the decoder. Any other tensor still as long as the old vocabulary afterwards
means an architecture this module does not know, and is refused rather than saved wrong.
"""

from __future__ import annotations

import json
from pathlib import Path

from lrtk.errors import DataError, UsageError

SUPPORTED = ("t5", "mt5", "bart", "mbart", "llama", "mistral", "qwen2", "bert", "roberta",
             "xlm-roberta")


def read_config(model_dir: Path) -> dict:
    path = model_dir / "config.json"
    if not path.is_file():
        raise UsageError("no config.json in the model folder", path=str(model_dir),
                         hint="give a Hugging Face model folder (save_pretrained writes one)")
    try:
        cfg = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise DataError(f"invalid JSON: {e}", path=str(path)) from None
    if cfg.get("model_type") not in SUPPORTED or not cfg.get("architectures"):
        raise UsageError(f"unknown architecture {cfg.get('model_type')!r} "
                         f"({', '.join(cfg.get('architectures') or ['no architectures'])})",
                         path=str(path), hint="trim-vocab supports " + ", ".join(SUPPORTED))
    return cfg


def load_model(model_dir: Path, cfg: dict):
    """The class config.json names (T5ForConditionalGeneration, XLMRobertaForMaskedLM, ...),
    in the checkpoint's own dtype so a half-precision model stays one."""
    import transformers

    cls = getattr(transformers, cfg["architectures"][0], None)
    if cls is None:
        raise UsageError(f"unknown architecture {cfg['architectures'][0]!r}",
                         path=str(model_dir / "config.json"),
                         hint="not a class of the installed transformers")
    try:
        return cls.from_pretrained(model_dir, dtype="auto").eval()
    except Exception as e:  # noqa: BLE001 - a damaged checkpoint raises anything from anywhere
        raise DataError(f"model cannot be loaded: {' '.join(str(e).split())[:200]}",
                        path=str(model_dir)) from None


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def slice_vocab(model, kept: list[int]) -> None:
    """Keep rows `kept` (old ids, sorted) of every vocabulary-sized tensor, in place."""
    import torch

    old_vocab = model.get_input_embeddings().weight.shape[0]
    index = torch.tensor(kept, dtype=torch.long)
    embed = model.get_input_embeddings()
    out = model.get_output_embeddings()
    tied = out is not None and out.weight is embed.weight
    new_embed = torch.nn.Embedding(len(kept), embed.weight.shape[1],
                                   dtype=embed.weight.dtype)
    new_embed.weight.data = embed.weight.data[index].clone()
    model.set_input_embeddings(new_embed)
    if out is not None:
        out.weight = new_embed.weight if tied else torch.nn.Parameter(out.weight.data[index].clone())
        out.out_features = len(kept)
        if getattr(out, "bias", None) is not None:
            out.bias = torch.nn.Parameter(out.bias.data[index].clone())
    if hasattr(model, "final_logits_bias"):  # BART/mBART: a (1, vocab) buffer
        model.final_logits_bias = model.final_logits_bias[:, index].clone()
    head = getattr(getattr(model, "cls", None), "predictions", None) or getattr(model, "lm_head", None)
    if head is not None and isinstance(getattr(head, "bias", None), torch.nn.Parameter) \
            and getattr(head, "decoder", None) is not None:
        head.bias = head.decoder.bias  # BERT/RoBERTa MLM: the head's bias is the decoder's
    model.config.vocab_size = len(kept)
    for name, tensor in list(model.named_parameters()) + list(model.named_buffers()):
        if old_vocab in tensor.shape and name.split(".")[-1] not in ("position_ids", "token_type_ids"):
            raise UsageError(f"{name} {tuple(tensor.shape)} still has the old vocabulary size "
                             f"{old_vocab}", hint="this architecture is not supported by trim-vocab")


def remap_ids(cfg: dict, new_id: dict[int, int], where: str) -> dict:
    """Every *_token_id of a config (pad, bos, eos, sep, decoder_start, forced_bos, ...),
    an int or a list of ints, in the new numbering."""
    def one(key: str, value: int) -> int:
        if value not in new_id:
            raise DataError(f"{key} {value} is not a kept token", path=where,
                            hint="special tokens are always kept; is the tokenizer the model's?")
        return new_id[value]

    for key, value in cfg.items():
        if not key.endswith("_token_id") or value is None:
            continue
        if isinstance(value, int) and value >= 0:
            cfg[key] = one(key, value)
        elif isinstance(value, list):
            cfg[key] = [one(key, v) for v in value]
    return cfg
