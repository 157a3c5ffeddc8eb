"""Writing a built corpus: text files per split and language, JSONL, a datasets dataset."""

from __future__ import annotations

import hashlib
import os
from typing import Sequence

from lrtk.corpus.config import CorpusConfig
from lrtk.corpus.sources import Entry
from lrtk.io.records import dumps

HF_DIR = "hf"


def pair_record(entry: Entry, config: CorpusConfig) -> dict:
    return {"id": entry.id, "src": entry.texts[0], "tgt": entry.texts[1],
            "src_lang": config.src_lang, "tgt_lang": config.tgt_lang,
            "meta": {"source": entry.source}}


def _write_lines(path: str, lines: Sequence[str]) -> None:
    # Plain writes: the whole directory is renamed into place atomically (build.py).
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(line + "\n" for line in lines)


def write_corpus(outdir: str, config: CorpusConfig, splits: dict[str, list[Entry]],
                 mono: dict[str, list[Entry]]) -> None:
    """Everything into `outdir` (a fresh temporary directory the caller renames)."""
    for name, entries in splits.items():
        _write_lines(os.path.join(outdir, f"{name}.{config.src_lang}"),
                     [e.texts[0] for e in entries])
        _write_lines(os.path.join(outdir, f"{name}.{config.tgt_lang}"),
                     [e.texts[1] for e in entries])
        _write_lines(os.path.join(outdir, f"{name}.jsonl"),
                     [dumps(pair_record(e, config)) for e in entries])
    for lang, entries in mono.items():
        _write_lines(os.path.join(outdir, f"mono.{lang}"), [e.texts[0] for e in entries])
    _write_dataset(os.path.join(outdir, HF_DIR), config, splits)


def _write_dataset(path: str, config: CorpusConfig, splits: dict[str, list[Entry]]) -> None:
    import datasets

    datasets.disable_progress_bars()
    columns = ("id", "src", "tgt", "source")
    features = datasets.Features({c: datasets.Value("string") for c in columns})
    dd = datasets.DatasetDict({
        name: datasets.Dataset.from_dict(
            {"id": [e.id for e in entries], "src": [e.texts[0] for e in entries],
             "tgt": [e.texts[1] for e in entries], "source": [e.source for e in entries]},
            features=features)
        for name, entries in splits.items()})
    # save_to_disk writes the arrow data, dataset_info.json and a state.json whose
    # fingerprint datasets derives from the content: no timestamps, byte-identical on rebuild
    # (tests/test_corpus_build.py checks it).
    dd.save_to_disk(path)


def sha256_files(root: str) -> dict[str, str]:
    """Relative path -> sha256 of every file under `root`, sorted by path."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            with open(full, "rb") as fh:
                out[os.path.relpath(full, root).replace(os.sep, "/")] = \
                    hashlib.sha256(fh.read()).hexdigest()
    return dict(sorted(out.items()))
