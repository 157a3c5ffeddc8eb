"""Writing a built corpus as its entries pass: text files per split and language, JSONL,
and a Hugging Face dataset (datasets.load_from_disk), none of it held in memory."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import itertools
import json
import os
from typing import IO, Callable, Sequence

from lrtk.corpus.config import CorpusConfig
from lrtk.corpus.sources import Entry
from lrtk.io.atomic import detached
from lrtk.io.records import dumps
from lrtk.parallel.merge import concat
from lrtk.parallel.plan import split_even

HF_DIR = "hf"
HF_COLUMNS = ("id", "src", "tgt", "source")


def pair_record(entry: Entry, config: CorpusConfig) -> dict:
    return {"id": entry.id, "src": entry.texts[0], "tgt": entry.texts[1],
            "src_lang": config.src_lang, "tgt_lang": config.tgt_lang,
            "meta": {"source": entry.source}}


class CorpusWriter:
    """One part of a corpus, in input order, into a fresh folder: text files per split and
    language ({split}.{lang}, {split}.jsonl, mono.{lang}) and the Hugging Face rows of every
    split, staged (HfRows); assemble() joins the parts into the output folder."""

    def __init__(self, folder: str, config: CorpusConfig, splits: Sequence[str],
                 mono_langs: Sequence[str]):
        self.config = config
        self._stack = contextlib.ExitStack()
        self._files: dict[str, IO] = {}

        def text(name: str) -> IO:
            return self._stack.enter_context(open(os.path.join(folder, name), "w",
                                                  encoding="utf-8", newline="\n"))

        for name in text_files(config, splits, mono_langs):
            self._files[name] = text(name)
        self.hf = {name: self._stack.enter_context(HfRows(os.path.join(folder, f"hf.{name}")))
                   for name in splits}

    def add_pair(self, split: str, entry: Entry) -> None:
        for ext, text in zip((self.config.src_lang, self.config.tgt_lang), entry.texts):
            self._files[f"{split}.{ext}"].write(text + "\n")
        self._files[f"{split}.jsonl"].write(dumps(pair_record(entry, self.config)) + "\n")
        self.hf[split].add((entry.id, entry.texts[0], entry.texts[1], entry.source))

    def add_mono(self, lang: str, text: str) -> None:
        self._files[f"mono.{lang}"].write(text + "\n")

    def close(self) -> None:
        self._stack.close()


def text_files(config: CorpusConfig, splits: Sequence[str], mono_langs: Sequence[str]):
    """The names of a corpus's text files, in the order they are opened."""
    names = [f"{name}.{ext}" for name in splits
             for ext in (config.src_lang, config.tgt_lang, "jsonl")]
    return names + [f"mono.{lang}" for lang in mono_langs]


def assemble_tasks(parts: Sequence[tuple[str, dict]], outdir: str, config: CorpusConfig,
                   splits: Sequence[str], mono_langs: Sequence[str]) -> list[Callable[[], None]]:
    """What writes the corpus into `outdir` from the folders CorpusWriter wrote, in input
    order, each with the (count, bytes) of its staged rows per split: one task for the
    dataset (one import of `datasets`; train is most of it anyway), one for the text files
    (concatenated). The tasks are independent (any process may run them); outdir is the
    staged output folder of the command."""
    hf = os.path.join(outdir, HF_DIR)
    os.makedirs(hf)
    _write_dataset_dict(hf, splits)
    staged = {os.path.join(hf, split): [Staged(os.path.join(folder, f"hf.{split}"),
                                               *sizes[split]) for folder, sizes in parts]
              for split in splits}
    return [functools.partial(_write_dataset_splits, staged), functools.partial(
        _concat_texts, [folder for folder, _ in parts], outdir,
        text_files(config, splits, mono_langs))]


def _concat_texts(folders: Sequence[str], outdir: str, names: Sequence[str]) -> None:
    with detached():  # plain files of the staged output folder, whichever process writes
        for name in names:
            concat([os.path.join(folder, name) for folder in folders],
                   os.path.join(outdir, name))


def _write_dataset_splits(staged: dict[str, Sequence["Staged"]]) -> None:
    """Every split of the dataset (folder -> rows HfRows staged), as HfDatasetWriter writes
    them: data files, state and info."""
    settings = _HfSettings()
    for folder, parts in staged.items():
        split = _StagedSplit(folder, settings)
        split.parts.extend(parts)
        split.close()


def _write_dataset_dict(path: str, splits: Sequence[str]) -> None:
    with open(os.path.join(path, "dataset_dict.json"), "w", encoding="utf-8") as fh:
        json.dump({"splits": list(splits)}, fh)


@dataclasses.dataclass(frozen=True)
class Staged:
    path: str
    count: int
    nbytes: int


class HfRows:
    """Rows of a split staged as JSON lines, with their count and pyarrow's size of them."""

    def __init__(self, path: str):
        self.path = path
        self._fh = open(path, "w", encoding="utf-8")
        self.count = self.nbytes = 0

    def add(self, row: Sequence[str]) -> None:
        self._fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.count += 1
        # pyarrow's nbytes of a string column: its UTF-8 bytes and one 4-byte offset a row
        self.nbytes += sum(len(v.encode("utf-8")) + 4 for v in row)

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> "HfRows":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class HfDatasetWriter:
    """A DatasetDict of string columns HF_COLUMNS, written row by row with the bytes
    `DatasetDict.from_dict(...).save_to_disk(path)` writes: the same Arrow files (batches of
    DEFAULT_MAX_BATCH_SIZE rows, a new data file every MAX_SHARD_SIZE), dataset_info.json,
    state.json and dataset_dict.json. One difference: datasets fingerprints an in-memory
    dataset by pickling all of it, so state.json's `_fingerprint` here is the first 16 hex
    digits of the sha256 of the split's data files instead (also content-derived)."""

    def __init__(self, path: str, splits: Sequence[str], max_shard_size: int | None = None):
        self.path = path
        settings = _HfSettings(max_shard_size)
        os.makedirs(path)
        _write_dataset_dict(path, splits)
        self._splits = {name: _StagedSplit(os.path.join(path, name), settings)
                        for name in splits}

    def add(self, split: str, row: Sequence[str]) -> None:
        self._splits[split].add(row)

    def close(self) -> None:
        for split in self._splits.values():
            split.close()


class _HfSettings:
    """What save_to_disk's bytes depend on: the features, the batch size and the size at
    which a split gets another data file."""

    def __init__(self, max_shard_size: int | None = None):
        import datasets
        from datasets.utils.py_utils import convert_file_size_to_int

        datasets.disable_progress_bars()
        self.features = datasets.Features({c: datasets.Value("string") for c in HF_COLUMNS})
        self.batch = datasets.config.DEFAULT_MAX_BATCH_SIZE
        self.max_shard_size = max_shard_size or convert_file_size_to_int(
            datasets.config.MAX_SHARD_SIZE)


class _StagedSplit:
    """Rows go into staging files as they come; once the split's size (and so its number of
    data files) is known, they are written into the data files as save_to_disk writes them."""

    # pyarrow writes a batch sliced out of a larger table with its string data padded to 64
    # bytes from the rows after it (save_to_disk's batches are such slices); each batch is
    # therefore built with the rows that follow it, then sliced. Rows are never empty, so 64
    # rows hold 64 bytes.
    LOOKAHEAD = 64

    def __init__(self, folder: str, dd: _HfSettings):
        os.makedirs(folder)
        self.folder, self.dd = folder, dd
        # the staged rows in order: HfRows, or Staged (rows that HfRows staged elsewhere)
        self.parts: list[HfRows | Staged] = []

    def add(self, row: Sequence[str]) -> None:
        if not self.parts:
            self.parts.append(HfRows(os.path.join(self.folder, ".staging.jsonl")))
        self.parts[0].add(row)

    def close(self) -> None:
        from datasets import DatasetInfo
        from datasets.utils.py_utils import asdict

        own = [p for p in self.parts if isinstance(p, HfRows)]
        for part in own:
            part.close()
        count = sum(p.count for p in self.parts)
        # Dataset.save_to_disk's rule for the number of data files
        shards = min(count, int(sum(p.nbytes for p in self.parts) / self.dd.max_shard_size) + 1)
        names = [f"data-{i:05d}-of-{shards:05d}.arrow" for i in range(shards)]
        self._write(names, count)
        for part in own:
            os.remove(part.path)
        digest = hashlib.sha256()
        for name in names:
            digest.update(_sha256(os.path.join(self.folder, name)).encode())
        state = {"_data_files": [{"filename": n} for n in names],
                 "_fingerprint": digest.hexdigest()[:16], "_format_columns": None,
                 "_format_kwargs": {}, "_format_type": None, "_output_all_columns": False,
                 "_split": None}
        with open(os.path.join(self.folder, "state.json"), "w", encoding="utf-8") as fh:
            json.dump(state, fh, indent=2, sort_keys=True)
        info = asdict(DatasetInfo(features=self.dd.features))
        with open(os.path.join(self.folder, "dataset_info.json"), "w", encoding="utf-8") as fh:
            json.dump({k: info[k] for k in sorted(info)}, fh, indent=2)

    def _write(self, names: list[str], count: int) -> None:
        """The staged rows into len(names) contiguous data files (Dataset.shard), each in
        batches counted from its own first row."""
        import pyarrow as pa
        from datasets.arrow_writer import ArrowWriter

        with contextlib.ExitStack() as stack:
            files = [stack.enter_context(open(p.path, encoding="utf-8")) for p in self.parts]
            rows = (json.loads(line) for line in itertools.chain.from_iterable(files))
            ahead: list[list[str]] = []
            for name, (start, stop) in zip(names, split_even(count, len(names))):
                writer = ArrowWriter(features=self.dd.features,
                                     path=os.path.join(self.folder, name),
                                     embed_local_files=True)
                for first in range(start, stop, self.dd.batch):
                    n = min(self.dd.batch, stop - first)
                    ahead.extend(itertools.islice(rows, n + self.LOOKAHEAD - len(ahead)))
                    table = pa.Table.from_pydict(
                        {c: [r[i] for r in ahead] for i, c in enumerate(HF_COLUMNS)})
                    writer.write_table(table.slice(0, n))
                    ahead = ahead[n:]
                writer.finalize()
                writer.close()


def sha256_files(root: str) -> dict[str, str]:
    """Relative path -> sha256 of every file under `root`, sorted by path."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fn in sorted(filenames):
            full = os.path.join(dirpath, fn)
            out[os.path.relpath(full, root).replace(os.sep, "/")] = _sha256(full)
    return dict(sorted(out.items()))


def _sha256(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
