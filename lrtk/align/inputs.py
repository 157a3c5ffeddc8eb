"""Reading what `lrtk align` aligns: document-pair JSONL, two segmented-document JSONL files
joined by id, or two one-sentence-per-line files. A record's own `lang` must be the run's
--src-lang / --tgt-lang: a mismatch is an error, never a silent override.

A run reads its input as a sequence of units, each the document pair of one line (of the
pair file, or of the source documents file; the two sentence files are one unit), so shards
are ranges of lines (lrtk.parallel.plan). `survey` reads the input once before any aligning:
it checks every record and id, and counts each unit's source sentences (8 bytes a line) for
the fit sample and the translation file. Reading a range holds one document pair at a time,
except that a range of --src-docs holds its documents' target side, looked up by id.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence

from lrtk.align.document import DocPair
from lrtk.errors import DataError, param
from lrtk.io import RecordReader, read_lines
from lrtk.io.lines import display_name
from lrtk.io.records import Record
from lrtk.io.schema import (DOCUMENT_PAIR, SEGMENTED, UniqueIds, check_record_language,
                            record_id)
from lrtk.parallel.plan import count_lines

PAIRS, DOCS, SENTENCES = "pairs", "docs", "sentences"


@dataclass
class InputReport:
    """What the input held beyond the aligned pairs: ids on one side only, duplicates."""

    src_only: list[str] = field(default_factory=list)
    tgt_only: list[str] = field(default_factory=list)


@dataclass
class Survey:
    """The input seen whole: source sentences per unit (0 for a line with no document pair)
    and how many document pairs there are."""

    src_sentences: array  # of 'q', one per unit
    documents: int
    report: InputReport

    @property
    def units(self) -> int:
        return len(self.src_sentences)


@dataclass(frozen=True)
class AlignInput:
    mode: str  # PAIRS (path), DOCS (src, tgt: segmented documents) or SENTENCES (src, tgt)
    src_lang: str
    tgt_lang: str
    path: Optional[str] = None
    src: Optional[str] = None
    tgt: Optional[str] = None
    name: Optional[str] = None  # how messages name `path` (a spooled stdin is '<stdin>')

    def files(self) -> list[Optional[str]]:
        return [self.path] if self.mode == PAIRS else [self.src, self.tgt]

    def survey(self) -> Survey:
        """Check the whole input (records, languages, unique ids); count its units."""
        report = InputReport()
        if self.mode == PAIRS:
            counts = array("q", [0]) * count_lines(self.path)
            ids, documents = UniqueIds(), 0
            for rec in self._records(self.path, DOCUMENT_PAIR, None):
                ids.add(record_id(rec), rec.path, rec.line)
                counts[rec.line - 1] = len(self._pair(rec).src)
                documents += 1
        elif self.mode == DOCS:
            counts = array("q", [0]) * count_lines(self.src)
            src = self._segmented_ids(self.src, self.src_lang, param("src_lang"), counts)
            tgt = self._segmented_ids(self.tgt, self.tgt_lang, param("tgt_lang"), None)
            report.src_only = [i for i in src if i not in tgt]
            report.tgt_only = [i for i in tgt if i not in src]
            for doc_id in report.src_only:  # a source document the target lacks: no unit
                counts[src[doc_id]] = 0
            documents = len(src) - len(report.src_only)
        else:
            if not count_lines(self.src) and not count_lines(self.tgt):
                raise DataError("both sentence files are empty", path=display_name(self.src))
            counts, documents = array("q", [count_lines(self.src)]), 1
        if not documents:
            raise DataError("no document pairs to align",
                            hint="check that both sides share document ids")
        return Survey(counts, documents, report)

    def read(self, start: int, stop: int,
             only: Optional[set[int]] = None) -> Iterator[DocPair]:
        """The document pairs of units [start, stop) (of those in `only`, if given), one at
        a time, in input order."""
        def wanted(rec: Record) -> bool:
            return only is None or rec.line - 1 in only

        if self.mode == PAIRS:
            for rec in self._records(self.path, DOCUMENT_PAIR, (start, stop)):
                if wanted(rec):
                    yield self._pair(rec)
        elif self.mode == DOCS:
            sources = {record_id(rec): rec["sentences"]
                       for rec in self._records(self.src, SEGMENTED, (start, stop))
                       if wanted(rec)}
            targets = {record_id(rec): rec["sentences"]
                       for rec in self._records(self.tgt, SEGMENTED, None)
                       if record_id(rec) in sources}
            for doc_id, sents in sources.items():
                if doc_id in targets:
                    yield DocPair(doc_id, sents, targets[doc_id], self.src_lang, self.tgt_lang)
        elif start == 0 < stop and (only is None or 0 in only):
            yield self.read_sentences()

    def read_units(self, units: Sequence[int]) -> list[DocPair]:
        """The document pairs of the given units (sorted), e.g. a fit sample, in one pass."""
        return list(self.read(units[0], units[-1] + 1, set(units))) if units else []

    def read_sentences(self, doc_id: str = "doc") -> DocPair:
        """Two files with one sentence per line form one document pair (blank lines kept, so
        line numbers stay sentence indices)."""
        src = [text for _, text in read_lines(self.src)]  # type: ignore[arg-type]
        tgt = [text for _, text in read_lines(self.tgt)]  # type: ignore[arg-type]
        return DocPair(doc_id, src, tgt, self.src_lang, self.tgt_lang)

    def _records(self, path, schema, lines) -> Iterator[Record]:
        name = self.name if path == self.path and self.name else None
        return iter(RecordReader(path, schema=schema, lines=lines, name=name))

    def _pair(self, rec: Record) -> DocPair:
        return DocPair(record_id(rec), rec["src"]["sentences"], rec["tgt"]["sentences"],
                       _checked_lang(rec, "src.lang", rec["src"], self.src_lang, param("src_lang")),
                       _checked_lang(rec, "tgt.lang", rec["tgt"], self.tgt_lang, param("tgt_lang")))

    def _segmented_ids(self, path, lang: str, option: str,
                       counts: Optional[array]) -> dict[str, int]:
        """Ids of a segmented-document file, in order, each with its 0-based line; each
        line's sentence count into `counts`."""
        ids = UniqueIds()
        lines: dict[str, int] = {}
        for rec in self._records(path, SEGMENTED, None):
            ids.add(record_id(rec), rec.path, rec.line)
            _checked_lang(rec, "lang", rec, lang, option)
            lines[record_id(rec)] = rec.line - 1
            if counts is not None:
                counts[rec.line - 1] = len(rec["sentences"])
        return lines


def _checked_lang(rec: Record, field: str, side: dict, lang: str, option: str) -> str:
    check_record_language(rec, field, side.get("lang"), lang, option)
    return lang


def src_sentence_offsets(counts: array, bounds: Sequence[tuple[int, int]]) -> list[int]:
    """Source sentences before each (start, stop) range of units: where its translations
    start in a translation file."""
    import numpy as np

    cum = np.concatenate([[0], np.cumsum(np.frombuffer(counts, dtype=np.int64))])
    return [int(cum[start]) for start, _ in bounds]

