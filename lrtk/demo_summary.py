"""Print what `make demo` produced: documents, sentences and example splits per language.

    python -m lrtk.demo_summary out/demo samples/tico19-bn-en

Reads the segmented documents `<lang>.sents.jsonl` that the demo target wrote into OUT_DIR
and the raw documents `docs.<lang>.jsonl` they came from, and prints a short, readable
summary to stdout: counts per language and example paragraphs with their sentences.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lrtk.errors import LrtkError, UsageError
from lrtk.io import read_jsonl

EXAMPLE_WIDTH = 110  # characters of a sentence shown before it is cut with "…"
EXAMPLES_PER_LANGUAGE = 2


def _short(sentence: str) -> str:
    return sentence if len(sentence) <= EXAMPLE_WIDTH else sentence[:EXAMPLE_WIDTH - 1] + "…"


def _examples(docs: list[dict], texts: dict[str, str]) -> list[tuple[str, str, list[str]]]:
    """(doc id, paragraph, its sentences) for two paragraphs split into 3+ sentences: the
    first one, and the first whose sentences keep a full stop inside (an abbreviation, an
    initial or a decimal that did not end the sentence)."""
    picked: list[tuple[str, str, list[str]]] = []
    for doc in docs:
        text = texts.get(doc["id"], "")
        for paragraph_start, paragraph in _paragraphs(text):
            paragraph_end = paragraph_start + len(paragraph)
            inside = [s for s, (a, b) in zip(doc["sentences"], doc["spans"])
                      if paragraph_start <= a and b <= paragraph_end]
            if len(inside) < 3:
                continue
            keeps_stop = any(". " in s for s in inside)
            if not picked or (keeps_stop and not any(". " in s for s in picked[0][2])):
                picked.append((doc["id"], paragraph, inside))
            if len(picked) == EXAMPLES_PER_LANGUAGE:
                return picked
    return picked


def _paragraphs(text: str):
    """(offset, paragraph) for each line of a document's text."""
    offset = 0
    for line in text.split("\n"):
        yield offset, line
        offset += len(line) + 1


def summarize(folder: Path, inputs: Path) -> str:
    files = sorted(folder.glob("*.sents.jsonl"))
    if not files:
        raise UsageError("no *.sents.jsonl files", path=str(folder), hint="run `make demo`")
    out = [f"lrtk demo: sentence segmentation of the bundled TICO-19 documents ({folder})", ""]
    out.append(f"{'lang':<6}{'documents':>10}{'sentences':>11}{'mean chars':>12}"
               f"{'mean words':>12}{'sent/doc':>10}")
    examples = {}
    for path in files:
        lang = path.name.split(".")[0]
        docs = list(read_jsonl(path, required=("id", "sentences", "spans")))
        sentences = [s for d in docs for s in d["sentences"]]
        n = max(len(sentences), 1)
        out.append(f"{lang:<6}{len(docs):>10}{len(sentences):>11}"
                   f"{sum(map(len, sentences)) / n:>12.1f}"
                   f"{sum(len(s.split()) for s in sentences) / n:>12.1f}"
                   f"{len(sentences) / max(len(docs), 1):>10.1f}")
        texts = {d["id"]: d["text"] for d in read_jsonl(inputs / f"docs.{lang}.jsonl",
                                                         required=("id", "text"))}
        examples[lang] = _examples(docs, texts)
    for lang, found in examples.items():
        for doc_id, paragraph, group in found:
            out += ["", f"[{lang}] a paragraph of {doc_id}:", f"  {_short(paragraph)}",
                    f"  -> {len(group)} sentences:"]
            out += [f"  {i}. {_short(s)}" for i, s in enumerate(group, 1)]
    out += ["", f"Outputs: {', '.join(p.name for p in files)} and the --report JSON files "
                f"in {folder}."]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m lrtk.demo_summary OUT_DIR INPUT_DIR", file=sys.stderr)
        return 2
    try:
        print(summarize(Path(argv[0]), Path(argv[1])))
    except LrtkError as err:
        print(f"lrtk: error: {err.format()}", file=sys.stderr)
        return err.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
