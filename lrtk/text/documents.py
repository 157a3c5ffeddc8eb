"""Documents in, segmented documents out: the record-level work behind `lrtk segment`.

Input forms (`INPUT_FORMATS`):
- jsonl: document records {"id", "lang", "text"}; "\\n" in the text separates paragraphs.
- text: one paragraph per line, each line a document whose id is its line number.
- paragraphs: documents separated by blank lines, each line of a document a paragraph; the
  id is the line number of the document's first line.

Output forms (`OUTPUT_FORMATS`): jsonl segmented documents {"id", "lang", "sentences",
"spans"} (other input fields are kept, "text" is dropped), text (one sentence per line) or
paragraphs (one sentence per line, a blank line after each document).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import IO, Iterable, Iterator

from lrtk.errors import UsageError, param
from lrtk.io import RecordReader, read_lines
from lrtk.io.lines import LineIndex, display_name
from lrtk.io.progress import warn
from lrtk.io.records import Record, dumps
from lrtk.io.schema import DOCUMENT
from lrtk.text.normalize import normalize
from lrtk.text.segmenter import Segmenter

INPUT_FORMATS = ("jsonl", "text", "paragraphs")
OUTPUT_FORMATS = INPUT_FORMATS


def check_format(fmt: str, allowed: tuple[str, ...], option: str) -> str:
    if fmt not in allowed:
        raise UsageError(f"unknown {option} {fmt!r}", hint=f"choose one of {', '.join(allowed)}")
    return fmt


def read_documents(path: str | os.PathLike, fmt: str, lang: str,
                   stats: "SegmentStats", *, skip_bad: bool = False,
                   lines: tuple[int, int] | None = None, index: LineIndex | None = None,
                   name: str | None = None) -> Iterator[Record]:
    """Document records (lrtk.io.schema.DOCUMENT) from any input form.

    `lines` = (start, stop) reads one shard: the documents whose first line is one of lines
    [start, stop) (0-based); a paragraphs document that starts there is read to its end.
    With the input's `index` the shard seeks to its lines instead of passing over the others.
    """
    start, stop = lines or (0, float("inf"))
    # A paragraphs shard reads from the line before its first: whether a document starts on
    # its first line depends on it.
    first = max(start - 1, 0) if fmt == "paragraphs" else start
    at = index.offset(first) if index else None
    if fmt == "jsonl":
        reader = RecordReader(path, skip_bad=skip_bad, schema=DOCUMENT, lines=lines, name=name,
                              at=at)
        yield from reader
        stats.skipped += reader.skipped
        return
    name = name or display_name(path)
    block: list[str] = []
    first_line = 0

    def document(text: str, lineno: int) -> Record:
        return Record({"id": str(lineno), "lang": lang, "text": text}, name, lineno)

    def mine(lineno: int) -> bool:
        return start < lineno <= stop

    for lineno, line in read_lines(path, skip=first, at=at):
        if lineno > stop and not block:
            return
        if fmt == "text":
            if line.strip() and mine(lineno):
                yield document(line, lineno)
        elif line.strip():
            first_line = first_line or lineno
            block.append(line)
        elif block:
            if mine(first_line):
                yield document("\n".join(block), first_line)
            block, first_line = [], 0
    if block and mine(first_line):
        yield document("\n".join(block), first_line)


@dataclass
class SegmentStats:
    """What `--report` and the closing summary say about a run."""

    lang: str
    normalize: bool
    documents: int = 0
    empty_documents: int = 0
    sentences: int = 0
    sentence_chars: int = 0
    longest_sentence_chars: int = 0
    skipped: int = 0
    other_lang_documents: int = 0
    _warned_lang: set = field(default_factory=set, repr=False)

    COUNTS = ("documents", "empty_documents", "sentences", "sentence_chars", "skipped",
              "other_lang_documents")

    def state(self) -> dict:
        """The raw counts (as_dict rounds means), for a shard to pass to the merge."""
        return {k: getattr(self, k) for k in (*self.COUNTS, "longest_sentence_chars")}

    def absorb(self, state: dict) -> None:
        """Add a shard's counts (from `state`)."""
        for k in self.COUNTS:
            setattr(self, k, getattr(self, k) + state[k])
        self.longest_sentence_chars = max(self.longest_sentence_chars,
                                          state["longest_sentence_chars"])

    def add(self, rec: Record, sentences: list[str]) -> None:
        self.documents += 1
        self.empty_documents += not sentences
        self.sentences += len(sentences)
        for s in sentences:
            self.sentence_chars += len(s)
            self.longest_sentence_chars = max(self.longest_sentence_chars, len(s))
        doc_lang = rec.get("lang", self.lang)
        if doc_lang != self.lang:
            self.other_lang_documents += 1
            if doc_lang not in self._warned_lang:
                self._warned_lang.add(doc_lang)
                warn(f"{rec.path}:{rec.line}: document lang {doc_lang!r} segmented with the "
                     f"{self.lang!r} rules (check {param('lang')})")

    def as_dict(self) -> dict:
        return {
            "lang": self.lang,
            "normalize": self.normalize,
            "documents": self.documents,
            "empty_documents": self.empty_documents,
            "sentences": self.sentences,
            "mean_sentence_chars": round(self.sentence_chars / self.sentences, 2)
            if self.sentences else 0.0,
            "longest_sentence_chars": self.longest_sentence_chars,
            "mean_sentences_per_document": round(self.sentences / self.documents, 2)
            if self.documents else 0.0,
            "skipped": self.skipped,
            "other_lang_documents": self.other_lang_documents,
        }


def segment_documents(docs: Iterable[Record], segmenter: Segmenter, stats: SegmentStats,
                      *, normalize_text: bool = False) -> Iterator[dict]:
    """Segmented document records; spans index the (normalised, if asked) text."""
    lang = segmenter.profile.lang
    for rec in docs:
        text = normalize(rec["text"], lang) if normalize_text else rec["text"]
        spans = segmenter.spans(text)
        sentences = [text[a:b] for a, b in spans]
        stats.add(rec, sentences)
        out = {k: v for k, v in rec.items() if k != "text"}
        out.setdefault("lang", lang)
        out["sentences"] = sentences
        out["spans"] = [list(s) for s in spans]
        yield out


def write_segmented(records: Iterable[dict], fh: IO, fmt: str) -> None:
    """Write segmented documents in one of OUTPUT_FORMATS to an open text handle."""
    for rec in records:
        if fmt == "jsonl":
            fh.write(dumps(rec) + "\n")
            continue
        for sentence in rec["sentences"]:
            fh.write(sentence + "\n")
        if fmt == "paragraphs":
            fh.write("\n")
