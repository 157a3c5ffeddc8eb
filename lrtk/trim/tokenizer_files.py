"""Rewrite a model folder's tokenizer files for the kept ids, in their original order.

`kept` is the sorted list of old ids; old id kept[i] becomes id i. Every format keeps its
pieces in the old relative order, so the tokenizer's own id arithmetic (XLM-R's and mBART's
fairseq offset, T5's sentinels after the sentencepiece pieces) gives the new ids without
being told; `run` checks that it does.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from lrtk.errors import DataError

# The names transformers gives a sentencepiece model (Llama, T5/mT5, XLM-R, mBART, ALBERT).
SPM_FILES = ("tokenizer.model", "spiece.model", "sentencepiece.bpe.model", "sentencepiece.model")
# Copied as they are: they name tokens by text, not by id.
TEXT_FILES = ("special_tokens_map.json", "added_tokens.json", "tokenizer_config.json")


def load_proto(path: Path):
    from sentencepiece import sentencepiece_model_pb2

    proto = sentencepiece_model_pb2.ModelProto()
    try:
        proto.ParseFromString(path.read_bytes())
    except Exception as e:  # noqa: BLE001 - protobuf's DecodeError has no stable import path
        raise DataError(f"not a sentencepiece model: {e}", path=str(path)) from None
    return proto


def spm_special_pieces(proto) -> list[tuple[str, int]]:
    """(piece, type) of the pieces that are not ordinary text: unknown, control,
    user-defined and byte pieces."""
    normal = type(proto.pieces[0]).NORMAL if proto.pieces else 1
    return [(p.piece, p.type) for p in proto.pieces if p.type != normal]


def spm_is_bpe(proto) -> bool:
    return proto.trainer_spec.model_type == type(proto.trainer_spec).BPE


def trim_proto(proto, kept_pieces: set[str]) -> bytes:
    """The model with only the pieces in `kept_pieces`, in their order. Non-normal pieces
    are kept by the caller's choice too: they are in kept_pieces."""
    pieces = [p for p in proto.pieces if p.piece in kept_pieces]
    del proto.pieces[:]
    proto.pieces.extend(pieces)
    proto.trainer_spec.vocab_size = len(pieces)
    return proto.SerializeToString()


def trim_tokenizer_json(data: dict, new_id: dict[int, int], kept_tokens: set[str]) -> dict:
    """tokenizer.json of the `tokenizers` library: the model's vocabulary (Unigram list,
    BPE vocab and merges, WordPiece vocab), the added tokens and the post-processor's
    special-token ids."""
    model = data["model"]
    kind = model.get("type")
    if kind == "Unigram":
        vocab = model["vocab"]
        model["vocab"] = [vocab[old] for old in sorted(new_id) if old < len(vocab)]
        if model.get("unk_id") is not None:
            model["unk_id"] = new_id[model["unk_id"]]
    elif kind in ("BPE", "WordPiece"):
        model["vocab"] = {tok: new_id[i] for tok, i in model["vocab"].items() if i in new_id}
        if kind == "BPE":
            model["merges"] = [m for m in model["merges"] if _merge_kept(m, kept_tokens)]
    else:
        raise DataError(f"tokenizer.json model type {kind!r} cannot be trimmed",
                        hint="Unigram, BPE and WordPiece tokenizers can")
    data["added_tokens"] = [dict(t, id=new_id[t["id"]]) for t in data.get("added_tokens") or []
                            if t["id"] in new_id]
    if data.get("post_processor"):
        _remap_processor(data["post_processor"], new_id)
    return data


def _merge_kept(merge, kept_tokens: set[str]) -> bool:
    left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
    return left in kept_tokens and right in kept_tokens and left + right in kept_tokens


def _remap_processor(proc: dict, new_id: dict[int, int]) -> None:
    """TemplateProcessing lists ids per special token; Bert/RobertaProcessing give
    [token, id] pairs; Sequence nests processors."""
    for sub in proc.get("processors") or []:
        _remap_processor(sub, new_id)
    for special in (proc.get("special_tokens") or {}).values():
        special["ids"] = [new_id[i] for i in special["ids"]]
    for key in ("sep", "cls"):
        if isinstance(proc.get(key), list):
            proc[key] = [proc[key][0], new_id[proc[key][1]]]


def trim_wordpiece_vocab(path: Path, new_id: dict[int, int]) -> str:
    """vocab.txt of a BERT tokenizer: one token a line, the line number is the id."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return "".join(line + "\n" for i, line in enumerate(lines) if i in new_id)


def remap_added_tokens_decoder(config: dict, new_id: dict[int, int]) -> dict:
    """tokenizer_config.json keys its added tokens by id."""
    decoder = config.get("added_tokens_decoder")
    if isinstance(decoder, dict):
        config["added_tokens_decoder"] = {str(new_id[int(k)]): v for k, v in decoder.items()
                                          if int(k) in new_id}
    return config


def write_tokenizer(src: Path, dst: Path, new_id: dict[int, int], kept_tokens: set[str]) -> list[str]:
    """Write the trimmed tokenizer files of `src` into `dst`; returns the names written."""
    written = []
    for name in SPM_FILES:
        if (src / name).is_file():
            (dst / name).write_bytes(trim_proto(load_proto(src / name), kept_tokens))
            written.append(name)
    if (src / "tokenizer.json").is_file():
        data = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
        (dst / "tokenizer.json").write_text(json.dumps(trim_tokenizer_json(
            data, new_id, kept_tokens), ensure_ascii=False, indent=2), encoding="utf-8")
        written.append("tokenizer.json")
    if (src / "vocab.txt").is_file():
        (dst / "vocab.txt").write_text(trim_wordpiece_vocab(src / "vocab.txt", new_id),
                                       encoding="utf-8")
        written.append("vocab.txt")
    for name in TEXT_FILES:
        if not (src / name).is_file():
            continue
        if name == "added_tokens.json":
            added = json.loads((src / name).read_text(encoding="utf-8"))
            out = {tok: new_id[i] for tok, i in added.items() if i in new_id}
        elif name == "tokenizer_config.json":
            out = remap_added_tokens_decoder(
                json.loads((src / name).read_text(encoding="utf-8")), new_id)
        else:
            shutil.copyfile(src / name, dst / name)
            continue
        (dst / name).write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    return written
