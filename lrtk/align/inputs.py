"""Reading what `lrtk align` aligns: document-pair JSONL, two segmented-document JSONL files
joined by id, or two one-sentence-per-line files."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from lrtk.align.document import DocPair
from lrtk.errors import DataError
from lrtk.io import read_jsonl, read_lines
from lrtk.io.records import Record


@dataclass
class InputReport:
    """What the input held beyond the aligned pairs: ids on one side only, duplicates."""

    src_only: list[str] = field(default_factory=list)
    tgt_only: list[str] = field(default_factory=list)


def _sentences(rec: Record, side: dict, where: str) -> list[str]:
    sents = side.get("sentences")
    if not isinstance(sents, list) or not all(isinstance(s, str) for s in sents):
        raise rec.error(f"{where}'sentences' must be a list of strings",
                        hint="segment documents first: lrtk segment --lang XX")
    return sents


def _lang(side: dict, default: str) -> str:
    lang = side.get("lang")
    return lang if isinstance(lang, str) and lang else default


def read_document_pairs(path: str | os.PathLike, src_lang: str, tgt_lang: str) -> list[DocPair]:
    """JSONL {"id", "src": {segmented document}, "tgt": {segmented document}}."""
    docs = []
    for rec in read_jsonl(path, required=("id", "src", "tgt")):
        if not isinstance(rec["src"], dict) or not isinstance(rec["tgt"], dict):
            raise rec.error("'src' and 'tgt' must be segmented documents (JSON objects)")
        docs.append(DocPair(str(rec["id"]), _sentences(rec, rec["src"], "src."),
                            _sentences(rec, rec["tgt"], "tgt."),
                            _lang(rec["src"], src_lang), _lang(rec["tgt"], tgt_lang)))
    return docs


def _segmented_by_id(path: str | os.PathLike) -> dict[str, tuple[Record, list[str]]]:
    out: dict[str, tuple[Record, list[str]]] = {}
    for rec in read_jsonl(path, required=("id", "sentences")):
        doc_id = str(rec["id"])
        if doc_id in out:
            raise rec.error(f"document id {doc_id!r} appears twice (first at line "
                            f"{out[doc_id][0].line})", hint="ids must be unique per file")
        out[doc_id] = (rec, _sentences(rec, rec, ""))
    return out


def read_joined_documents(src_path, tgt_path, src_lang: str, tgt_lang: str,
                          report: InputReport) -> list[DocPair]:
    """Two segmented-document files joined on id, in the source file's order."""
    src = _segmented_by_id(src_path)
    tgt = _segmented_by_id(tgt_path)
    report.src_only = [i for i in src if i not in tgt]
    report.tgt_only = [i for i in tgt if i not in src]
    return [DocPair(i, s, tgt[i][1], _lang(rec, src_lang), _lang(tgt[i][0], tgt_lang))
            for i, (rec, s) in src.items() if i in tgt]


def read_sentence_files(src_path, tgt_path, src_lang: str, tgt_lang: str,
                        doc_id: str = "doc") -> list[DocPair]:
    """Two files with one sentence per line form one document pair (blank lines kept, so
    line numbers stay sentence indices)."""
    src = [text for _, text in read_lines(src_path)]
    tgt = [text for _, text in read_lines(tgt_path)]
    if not src and not tgt:
        raise DataError("both sentence files are empty", path=str(src_path))
    return [DocPair(doc_id, src, tgt, src_lang, tgt_lang)]
