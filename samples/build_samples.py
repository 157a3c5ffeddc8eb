"""Rebuild the bundled sample documents of each language pair from ../shared/data.

    python samples/build_samples.py PAIR SHARED_DATA OUT_DIR
    python samples/build_samples.py bn-en ../shared/data samples/tico19-bn-en

bn-en, ne-en and ur-en come from the CC0 TICO-19 test set (19 documents, ids from
tico19-test.en.info); si-en from the FLORES v1 Wikipedia dev set (CC BY-SA, 14 articles, ids
from the .doc_id file). Each document (all lines with one doc id) becomes one raw document per
language. Lines that end in a sentence terminator are run together into paragraphs, as in the
source web pages; a line without one ends its paragraph. The pipelines therefore have to
segment and align for real instead of reading pre-aligned lines.

FLORES repeats about 20% of its source sentences with a second English reference (in a second
run of the same article); there only the first occurrence of a source sentence in a document is
kept, so a document pair does not hold the same sentence twice with two translations.
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

TERMINATORS = (".", "?", "!", "।", "॥", "۔", "؟", '"', "”", "’", ")")
PARAGRAPH_MAX = 6  # sentences per paragraph, so documents have some structure

FLORES_LICENCE = """\
The Sinhala-English sample documents in this folder are built by samples/build_samples.py from
the FLORES v1 Wikipedia dev set (Guzman et al. 2019, "The FLORES Evaluation Datasets for
Low-Resource Machine Translation: Nepali-English and Sinhala-English"), published by Facebook
Research at github.com/facebookresearch/flores (previous_releases/floresv1), licensed under the
Creative Commons Attribution-ShareAlike licence (CC BY-SA). The documents are a derived work
under the same licence: sentences regrouped into paragraphs per Wikipedia article, repeated
source sentences removed.
"""


@dataclass(frozen=True)
class Source:
    """Where a pair's parallel lines and their document ids are in ../shared/data."""

    folder: str
    src_file: str   # the non-English side; the English side replaces the language suffix
    doc_ids: str    # file with one document id per line
    licence: str    # a licence file in the folder to copy, or "" to write FLORES_LICENCE
    repeats: bool   # sources repeated with a second reference (FLORES): keep the first only


SOURCES = {
    "bn-en": Source("tico19/en-bn", "tico19-test.bn", "tico19-test.en.info", "LICENSE-CC0.md", False),
    "ne-en": Source("tico19/en-ne", "tico19-test.ne", "tico19-test.en.info", "LICENSE-CC0.md", False),
    "ur-en": Source("tico19/en-ur", "tico19-test.ur", "tico19-test.en.info", "LICENSE-CC0.md", False),
    "si-en": Source("floresv1_dev", "wikipedia.dev.si-en.si", "wikipedia.dev.si-en.doc_id", "", True),
}


def read_doc_ids(path: Path) -> list[str]:
    """TICO-19 .info rows start with `<docid>:<sentence no>`; FLORES .doc_id lines are titles."""
    rows = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".info":
        return [row.split("\t")[0].rsplit(":", 1)[0] for row in rows]
    return rows


def documents(src: list[str], tgt: list[str], doc_ids: list[str],
              repeats: bool) -> dict[str, list[tuple]]:
    """doc id -> its (src, tgt) lines in order; with `repeats`, the first occurrence of each
    source line only (TICO-19's few repeated lines are real repetitions and stay)."""
    docs: dict[str, list[tuple]] = {}
    seen: dict[str, set] = {}
    for s, t, doc in zip(src, tgt, doc_ids):
        s, t = s.strip(), t.strip()
        if repeats and s in seen.setdefault(doc, set()):
            continue
        seen.setdefault(doc, set()).add(s)
        docs.setdefault(doc, []).append((s, t))
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


def doc_key(pair: str, index: int, doc: str) -> str:
    """TICO-19 ids are ASCII already; FLORES titles become `floresv1-NN` (same order)."""
    return doc if SOURCES[pair].licence else f"floresv1-{index + 1:02d}"


def main(pair: str, shared: str, out_dir: str) -> None:
    source = SOURCES[pair]
    folder = Path(shared) / source.folder
    lang = pair.split("-")[0]
    src = (folder / source.src_file).read_text(encoding="utf-8").splitlines()
    tgt = (folder / (source.src_file[: -len(lang)] + "en")).read_text(encoding="utf-8").splitlines()
    ids = read_doc_ids(folder / source.doc_ids)
    assert len(src) == len(tgt) == len(ids), (len(src), len(tgt), len(ids))
    docs = documents(src, tgt, ids, source.repeats)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for side, code in ((0, lang), (1, "en")):
        with open(out / f"docs.{code}.jsonl", "w", encoding="utf-8") as fh:
            for i, (doc, lines) in enumerate(docs.items()):
                rec = {"id": doc_key(pair, i, doc), "lang": code,
                       "text": to_text([line[side] for line in lines])}
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if source.licence:
        shutil.copyfile(Path(shared) / source.folder.split("/")[0] / source.licence,
                        out / source.licence)
    else:
        (out / "LICENSE-CC-BY-SA.md").write_text(FLORES_LICENCE, encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in SOURCES:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(SOURCES)}}} SHARED_DATA OUT_DIR")
    main(*sys.argv[1:4])
