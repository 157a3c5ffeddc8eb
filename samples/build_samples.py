"""Rebuild the bundled demo documents from the CC0 TICO-19 test set in ../shared/data.

Each TICO-19 document (a contiguous block of lines with one doc id) becomes one raw document
per language. Lines that end in a sentence terminator are run together into paragraphs, as
in the source web pages; a line without one ends its paragraph. The demo therefore has to
segment and align for real instead of reading pre-aligned lines.

    python samples/build_samples.py ../shared/data/tico19 samples/tico19-bn-en
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TERMINATORS = (".", "?", "!", "।", "॥", "۔", "؟", '"', "”", "’", ")")
PARAGRAPH_MAX = 6  # sentences per paragraph, so documents have some structure


def documents(lines: list[str], doc_ids: list[str]) -> dict[str, list[str]]:
    docs: dict[str, list[str]] = {}
    for line, doc in zip(lines, doc_ids):
        docs.setdefault(doc, []).append(line.strip())
    return docs


def to_text(sentences: list[str]) -> str:
    paragraphs, current = [], []
    for s in sentences:
        current.append(s)
        if not s.endswith(TERMINATORS) or len(current) >= PARAGRAPH_MAX:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n".join(paragraphs)


def main(tico_dir: str, out_dir: str) -> None:
    src = Path(tico_dir) / "en-bn"
    info = (src / "tico19-test.en.info").read_text(encoding="utf-8").splitlines()
    doc_ids = [row.split("\t")[0].rsplit(":", 1)[0] for row in info]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for lang in ("bn", "en"):
        lines = (src / f"tico19-test.{lang}").read_text(encoding="utf-8").splitlines()
        assert len(lines) == len(doc_ids), (lang, len(lines), len(doc_ids))
        with open(out / f"docs.{lang}.jsonl", "w", encoding="utf-8") as fh:
            for doc, sents in documents(lines, doc_ids).items():
                rec = {"id": doc, "lang": lang, "text": to_text(sents)}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
