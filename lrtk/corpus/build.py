"""`lrtk corpus build`: sources -> normalise -> dedup -> decontaminate -> split -> outputs.

The output directory is assembled in a temporary sibling and renamed into place at the end
(lrtk.io.atomic_dir), so a failed build never leaves a half-written corpus or damages the
previous one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Iterable, Sequence

from lrtk.corpus.card import corpus_lengths, write_card
from lrtk.corpus.config import CorpusConfig
from lrtk.corpus.decontaminate import excluded_keys, is_contaminated
from lrtk.corpus.dedup import NEAR_DUPLICATE_RULE, fold_all, unique
from lrtk.corpus.sources import Entry, read_monolingual, read_pairs
from lrtk.corpus.split import SPLIT_RULE, assign_splits
from lrtk.corpus.writer import sha256_files, write_corpus
from lrtk.errors import DataError
from lrtk.io import atomic_dir
from lrtk.io.lines import open_lines, read_bytes
from lrtk.io.progress import progress
from lrtk.io.schema import UniqueIds
from lrtk.text.normalize import normalize


def _normalised(entries: Iterable[Entry], langs: Sequence[str]) -> Iterable[Entry]:
    """The segmenter's normaliser on every text, white space runs (line breaks and tabs too)
    made one space, so one text is always one line of a text file; entries left with an
    empty text are dropped."""
    for e in entries:
        texts = tuple(" ".join(normalize(t, lang).split()) for t, lang in zip(e.texts, langs))
        if all(texts):
            yield dataclasses.replace(e, texts=texts)


class Pipeline:
    """Counts what is left after each step (the card's 'counts')."""

    def __init__(self, entries: Iterable[Entry], langs: Sequence[str], excluded: set[str]):
        self.langs = langs
        self.excluded = excluded
        self.entries = list(entries)
        self.counts = {"read": len(self.entries)}

    def run(self) -> list[Entry]:
        steps = (
            ("normalised", lambda es: _normalised(es, self.langs)),
            ("exact_dedup", lambda es: unique(es, key=lambda e: "\t".join(e.texts))),
            ("near_dedup", lambda es: unique(es, key=lambda e: fold_all(e.texts))),
            ("decontaminated", lambda es: (e for e in es if not is_contaminated(e, self.excluded))),
        )
        entries = self.entries
        for name, step in steps:
            entries = list(step(progress(entries, desc=name)))
            self.counts[name] = len(entries)
        return entries


def _check_ids(pairs: Iterable[Entry]) -> None:
    """Pair ids are written out, so they must be unique across all sources. A pair repeated
    as read (same id, same texts) is fine: exact deduplication keeps one."""
    ids = UniqueIds("pair")
    for e in pairs:
        ids.add(e.id, *e.origin, content=e.texts)


def _filter_report(config: CorpusConfig, path: str) -> dict:
    try:
        rep = json.load(open_lines(config.resolve(path)))
    except json.JSONDecodeError as e:
        raise DataError(f"not a JSON filter report: {e.msg}", path=path, line=e.lineno) from None
    if not isinstance(rep, dict) or "filters" not in rep:
        raise DataError("not an `lrtk filter --report` file (no 'filters')", path=path)
    return rep


def _sha256_file(path: str) -> str:
    return hashlib.sha256(read_bytes(path)).hexdigest()


def build_corpus(config: CorpusConfig, outdir: str, excludes: Sequence[str], card_path: str,
                 command: str) -> dict:
    """Build everything; returns the card's front matter (also the --report content)."""
    langs = (config.src_lang, config.tgt_lang)
    keys = excluded_keys(excludes, langs)
    per_source, pairs = [], []
    for src in config.sources:
        entries = list(read_pairs(config, src))
        per_source.append({"name": src.name, "licence": src.licence,
                           "path": src.path or f"{src.src_path} + {src.tgt_path}",
                           "pairs": len(entries)})
        pairs += entries
    _check_ids(pairs)
    pipeline = Pipeline(pairs, langs, keys)
    kept = pipeline.run()
    splits = assign_splits(kept, config.splits)

    mono, mono_meta = {}, []
    for src in config.monolingual:
        mono_pipeline = Pipeline(read_monolingual(config, src), (src.lang,), keys)
        mono.setdefault(src.lang, []).extend(mono_pipeline.run())
        mono_meta.append({"name": src.name, "licence": src.licence, "path": src.path,
                          "lang": src.lang, "counts": mono_pipeline.counts})
    # Sentences repeated across monolingual sources of one language are kept once.
    mono = {lang: list(unique(es, key=lambda e: fold_all(e.texts))) for lang, es in mono.items()}

    filter_reports = {s.name: _filter_report(config, s.filter_report)
                      for s in config.sources if s.filter_report}
    files = _write_atomically(outdir, config, splits, mono)
    front = {
        "name": config.name,
        "languages": list(langs),
        "sources": per_source,
        "monolingual": mono_meta,
        "counts": {**pipeline.counts, "splits": {k: len(v) for k, v in splits.items()},
                   "monolingual": {lang: len(es) for lang, es in mono.items()}},
        # the histograms are drawn beside the card, not copied into it
        "filters": {name: {k: rep.get(k) for k in ("filters", "input", "kept", "rejected")}
                    for name, rep in filter_reports.items()},
        "normalisation": "lrtk.text.normalize.normalize (NFC, language canonical forms, "
                         "stray zero-width characters removed), then every white space run "
                         "(line breaks and tabs included) made one space, ends stripped",
        "deduplication": {"exact": "identical normalised texts (pairs: both sides)",
                          "near": NEAR_DUPLICATE_RULE},
        "decontamination": {
            "rule": "a pair is removed if its source or target has the near-duplicate key "
                    "of an excluded sentence",
            "excluded_files": {p: _sha256_file(p) for p in excludes},
            "removed": pipeline.counts["near_dedup"] - pipeline.counts["decontaminated"]},
        "splits": {"spec": config.splits, "method": SPLIT_RULE},
        "lengths": corpus_lengths(config, splits, mono),
        "files": files,
        "command": command,
    }
    write_card(card_path, front, config, splits, filter_reports)
    return front


def _write_atomically(outdir: str, config: CorpusConfig, splits, mono) -> dict[str, str]:
    with atomic_dir(outdir, "corpus build") as tmp:
        write_corpus(str(tmp), config, splits, mono)
        return sha256_files(str(tmp))
