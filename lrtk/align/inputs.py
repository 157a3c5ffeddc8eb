"""Reading what `lrtk align` aligns: document-pair JSONL, two segmented-document JSONL files
joined by id, or two one-sentence-per-line files. A record's own `lang` must be the run's
--src-lang / --tgt-lang: a mismatch is an error, never a silent override."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from lrtk.align.document import DocPair
from lrtk.errors import DataError
from lrtk.io import read_jsonl, read_lines
from lrtk.io.records import Record
from lrtk.io.schema import (DOCUMENT_PAIR, SEGMENTED, UniqueIds, check_record_language,
                            record_id)


@dataclass
class InputReport:
    """What the input held beyond the aligned pairs: ids on one side only, duplicates."""

    src_only: list[str] = field(default_factory=list)
    tgt_only: list[str] = field(default_factory=list)


def _checked_lang(rec: Record, field: str, side: dict, lang: str, option: str) -> str:
    check_record_language(rec, field, side.get("lang"), lang, option)
    return lang


def read_document_pairs(path: str | os.PathLike, src_lang: str, tgt_lang: str) -> list[DocPair]:
    """JSONL document pairs (lrtk.io.schema.DOCUMENT_PAIR)."""
    docs = []
    ids = UniqueIds()
    for rec in read_jsonl(path, schema=DOCUMENT_PAIR):
        ids.add(record_id(rec), rec.path, rec.line)
        docs.append(DocPair(record_id(rec), rec["src"]["sentences"], rec["tgt"]["sentences"],
                            _checked_lang(rec, "src.lang", rec["src"], src_lang, "--src-lang"),
                            _checked_lang(rec, "tgt.lang", rec["tgt"], tgt_lang, "--tgt-lang")))
    return docs


def _segmented_by_id(path: str | os.PathLike, lang: str, option: str) -> dict[str, list[str]]:
    """Sentences of each segmented document (lrtk.io.schema.SEGMENTED), by id."""
    out: dict[str, list[str]] = {}
    ids = UniqueIds()
    for rec in read_jsonl(path, schema=SEGMENTED):
        ids.add(record_id(rec), rec.path, rec.line)
        _checked_lang(rec, "lang", rec, lang, option)
        out[record_id(rec)] = rec["sentences"]
    return out


def read_joined_documents(src_path, tgt_path, src_lang: str, tgt_lang: str,
                          report: InputReport) -> list[DocPair]:
    """Two segmented-document files joined on id, in the source file's order."""
    src = _segmented_by_id(src_path, src_lang, "--src-lang")
    tgt = _segmented_by_id(tgt_path, tgt_lang, "--tgt-lang")
    report.src_only = [i for i in src if i not in tgt]
    report.tgt_only = [i for i in tgt if i not in src]
    return [DocPair(i, s, tgt[i], src_lang, tgt_lang) for i, s in src.items() if i in tgt]


def read_sentence_files(src_path, tgt_path, src_lang: str, tgt_lang: str,
                        doc_id: str = "doc") -> list[DocPair]:
    """Two files with one sentence per line form one document pair (blank lines kept, so
    line numbers stay sentence indices)."""
    src = [text for _, text in read_lines(src_path)]
    tgt = [text for _, text in read_lines(tgt_path)]
    if not src and not tgt:
        raise DataError("both sentence files are empty", path=str(src_path))
    return [DocPair(doc_id, src, tgt, src_lang, tgt_lang)]
