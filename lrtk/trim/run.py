"""`trim_model`: count, select, rewrite, slice, check, report."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from lrtk.errors import DataError, UsageError, param
from lrtk.sampling import CorpusSpec, scan_corpora
from lrtk.trim import select, tokenizer_files, weights

WEIGHT_SUFFIXES = (".safetensors", ".bin")
ID_FILES = ("config.json", "generation_config.json")


@dataclass(frozen=True)
class TrimOptions:
    top: int | None = None         # keep at most this many used tokens (by frequency)
    coverage: float | None = None  # keep the most frequent used tokens covering this share

    def __post_init__(self):
        if self.top is not None and self.top < 1:
            raise UsageError(f"{param('top')} must be at least 1, got {self.top}")
        if self.coverage is not None and not 0 < self.coverage <= 1:
            raise UsageError(f"{param('coverage')} must be in (0, 1], got {self.coverage}")


def corpus_lines(specs: list[CorpusSpec]) -> dict[str, list[str]]:
    """Every non-empty line of each language's corpus, read the way the other stages do."""
    out = {}
    for lang, corpus in scan_corpora(specs).items():
        out[lang] = [corpus.get(i)[0] for i in range(corpus.lines)]
        corpus.close()
        if not out[lang]:
            raise DataError("corpus has no text lines", path=corpus.spec.paths[0])
    return out


def load_tokenizer(model_dir: Path):
    if not any((model_dir / name).is_file() for name in
               tokenizer_files.SPM_FILES + ("tokenizer.json", "vocab.txt")):
        raise UsageError("no tokenizer in the model folder", path=str(model_dir),
                         hint="copy the model's tokenizer files (tokenizer.json, spiece.model "
                              "or vocab.txt) next to config.json")
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(model_dir)
    except Exception as e:  # noqa: BLE001 - transformers raises anything for a bad tokenizer
        raise DataError(f"tokenizer cannot be loaded: {' '.join(str(e).split())[:200]}",
                        path=str(model_dir)) from None


def _spm_file(model_dir: Path) -> Path | None:
    return next((model_dir / name for name in tokenizer_files.SPM_FILES
                 if (model_dir / name).is_file()), None)


def _spm_proto(model_dir: Path):
    path = _spm_file(model_dir)
    return tokenizer_files.load_proto(path) if path is not None else None


def count_ids(tokenizer, model_dir: Path, lines: list[str]):
    """Id counts of the HF tokenizer, plus those of the sentencepiece model when the folder
    has one, so that both tokenizers of the trimmed folder spell the corpus as before."""
    counts = select.count_ids(tokenizer, lines)
    path = _spm_file(model_dir)
    if path is not None:
        counts += select.count_spm_ids(path.read_bytes(), tokenizer.get_vocab(), lines)
    return counts


def _is_bpe(model_dir: Path, proto) -> bool:
    if (model_dir / "tokenizer.json").is_file():
        data = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
        return data.get("model", {}).get("type") == "BPE"
    return proto is not None and tokenizer_files.spm_is_bpe(proto)


def choose_ids(tokenizer, model_dir: Path, counts, options: TrimOptions) -> list[int]:
    """The kept old ids, sorted: used (cut by --top/--coverage), always kept, BPE-closed."""
    proto = _spm_proto(model_dir)
    specials = tokenizer_files.spm_special_pieces(proto) if proto is not None else []
    keep = select.frequent(counts, options.top, options.coverage)
    keep |= select.always_kept(tokenizer, specials)
    if _is_bpe(model_dir, proto):
        keep = select.bpe_closure(keep, tokenizer.get_vocab())
    return sorted(keep)


def _weight_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.iterdir() if p.suffix in WEIGHT_SUFFIXES)


def _remap_id_files(directory: Path, new_id: dict[int, int]) -> None:
    for name in ID_FILES:
        path = directory / name
        if path.is_file():
            cfg = weights.remap_ids(json.loads(path.read_text(encoding="utf-8")), new_id, str(path))
            path.write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")


def check_tokenizer(old_tok, new_tok, kept: list[int], where: Path) -> None:
    """The rewritten tokenizer must number the kept tokens 0..n-1 in the old order, or the
    sliced embedding rows would belong to other tokens."""
    expected = old_tok.convert_ids_to_tokens(kept)
    got = new_tok.convert_ids_to_tokens(list(range(len(kept))))
    if expected != got or len(new_tok) != len(kept):
        first = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b), len(got))
        raise DataError(f"the trimmed tokenizer numbers its tokens differently (new id {first}: "
                        f"expected {expected[first:first + 1]}, got {got[first:first + 1]}; "
                        f"{len(new_tok)} tokens for {len(kept)} ids)", path=str(where),
                        hint="this tokenizer layout is not supported by trim-vocab")


def identical_share(old_tok, new_tok, lines: list[str], new_id: dict[int, int]) -> float:
    """Share of lines the trimmed tokenizer encodes to exactly the old ids, renumbered."""
    old = old_tok(lines, add_special_tokens=False)["input_ids"]
    new = new_tok(lines, add_special_tokens=False)["input_ids"]
    same = sum(1 for a, b in zip(old, new) if [new_id.get(i, -1) for i in a] == b)
    return same / len(lines)


def identical_share_spm(old_model: Path, new_model: Path, lines: list[str]) -> float:
    """The same for the sentencepiece models, compared piece by piece."""
    import sentencepiece as spm

    old = spm.SentencePieceProcessor(model_file=str(old_model)).encode(lines, out_type=str)
    new = spm.SentencePieceProcessor(model_file=str(new_model)).encode(lines, out_type=str)
    return sum(1 for a, b in zip(old, new) if a == b) / len(lines)


def trim_model(model_dir: str | Path, specs: list[CorpusSpec], output: str | Path,
               options: TrimOptions = TrimOptions(), *, overwrite: bool = False) -> dict:
    """Write the trimmed model to `output` (atomically; an existing folder only if trim-vocab
    made it, or with `overwrite`) and return the report."""
    from transformers import AutoTokenizer

    from lrtk.io.atomic import atomic_dir
    from lrtk.io.output_checks import check_output_dir

    src = Path(model_dir)
    if not src.is_dir():
        raise UsageError("model folder not found", path=str(src))
    check_output_dir(output, "trim-vocab", overwrite=overwrite)  # before the slow part
    if Path(output).resolve() == src.resolve():
        raise UsageError("the output folder is the model folder", path=str(output),
                         hint="write the trimmed model to a new folder; the original is read "
                              "until the end")
    cfg = weights.read_config(src)
    texts = corpus_lines(specs)  # a bad corpus fails fast, before the model is touched
    tokenizer = load_tokenizer(src)
    lines = [line for lang_lines in texts.values() for line in lang_lines]
    counts = count_ids(tokenizer, src, lines)
    kept = choose_ids(tokenizer, src, counts, options)
    new_id = {old: new for new, old in enumerate(kept)}
    kept_tokens = set(tokenizer.convert_ids_to_tokens(kept))
    model = weights.load_model(src, cfg)
    rows = model.get_input_embeddings().weight.shape[0]
    if kept[-1] >= rows:
        raise DataError(f"the tokenizer has token id {kept[-1]} but the embedding matrix only "
                        f"{rows} rows", path=str(src),
                        hint="is the tokenizer the model's? added tokens need resize_token_embeddings")
    before = {"vocab": rows, "params": weights.count_parameters(model),
              "weight_bytes": _weight_bytes(src)}
    weights.slice_vocab(model, kept)
    with atomic_dir(output, "trim-vocab", overwrite=overwrite) as tmp:
        model.save_pretrained(tmp)
        _remap_id_files(tmp, new_id)
        tokenizer_files.write_tokenizer(src, tmp, new_id, kept_tokens)
        new_tok = AutoTokenizer.from_pretrained(tmp)
        check_tokenizer(tokenizer, new_tok, kept, src)
        spm_file, identical_spm = _spm_file(src), {}
        if spm_file is not None:  # the slow tokenizer reads the sentencepiece model
            check_tokenizer(AutoTokenizer.from_pretrained(src, use_fast=False),
                            AutoTokenizer.from_pretrained(tmp, use_fast=False), kept, src)
        identical = {lang: identical_share(tokenizer, new_tok, lang_lines, new_id)
                     for lang, lang_lines in texts.items()}
        if spm_file is not None:
            identical_spm = {lang: identical_share_spm(spm_file, tmp / spm_file.name, lang_lines)
                             for lang, lang_lines in texts.items()}
        after = {"vocab": len(kept), "params": weights.count_parameters(model),
                 "weight_bytes": _weight_bytes(tmp)}
    return {"model": str(src), "output": str(output), "architecture": cfg["architectures"][0],
            "corpus_lines": {lang: len(v) for lang, v in texts.items()},
            "tokens_used": len(counts),
            "before": before, "after": after,
            "params_saved": 1 - after["params"] / before["params"],
            "identical_lines": identical,
            **({"identical_lines_spm": identical_spm} if identical_spm else {})}
