"""Benchmark `lrtk segment` against pySBD: sentences per second on the same text, one run.

The text is the bundled TICO-19 sample (samples/tico19-bn-en, CC0), repeated until it holds
at least --sentences sentences. Both tools get the same paragraphs, one call per paragraph.
pySBD (about 150 sentences/s on a busy laptop core) would need over ten minutes for 100k
sentences, so it gets whole repetitions of the same sample up to --baseline-sentences: the
identical mix of text, fewer times over. pySBD has no Bengali, so Bengali is timed for lrtk
alone. The English golden rules (from ../shared/data, if present) are scored for both tools.

    python benchmarks/bench_segment.py --out bench-results
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lrtk.text import get_segmenter  # noqa: E402

SAMPLES = REPO / "samples" / "tico19-bn-en"
GOLDEN = Path(os.environ.get("LRTK_SHARED_DATA", REPO.parent / "shared" / "data")) / \
    "golden_rules_en" / "golden_rules_en.jsonl"


def sample_paragraphs(lang: str) -> tuple[list[str], int]:
    """The sample's paragraphs and how many sentences lrtk finds in them."""
    once = []
    for line in (SAMPLES / f"docs.{lang}.jsonl").read_text(encoding="utf-8").splitlines():
        once.extend(json.loads(line)["text"].split("\n"))
    segmenter = get_segmenter(lang)
    return once, sum(len(segmenter.spans(p)) for p in once)


def repeated(once: list[str], per_pass: int, min_sentences: int) -> tuple[list[str], int]:
    """Whole repetitions of the sample holding >= min_sentences sentences."""
    passes = -(-min_sentences // per_pass)
    return once * passes, per_pass * passes


def timed(split, texts: list[str]) -> tuple[int, float]:
    """(sentences produced, seconds) for splitting every text."""
    start = time.perf_counter()
    produced = sum(len(split(t)) for t in texts)
    return produced, time.perf_counter() - start


def golden_score(split) -> str:
    if not GOLDEN.exists():
        return "n/a"
    rules = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    # pySBD keeps the white space after each sentence; only the sentences are compared.
    passed = sum([s.strip() for s in split(r["text"])] == r["sentences"] for r in rules)
    return f"{passed}/{len(rules)}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="folder for segment.md and segment.json")
    ap.add_argument("--sentences", type=int, default=100_000,
                    help="minimum sentences per language for lrtk (default 100000)")
    ap.add_argument("--baseline-sentences", type=int, default=10_000,
                    help="minimum sentences for pySBD, whole repetitions of the same sample "
                         "(default 10000)")
    args = ap.parse_args()
    import pysbd

    rows = []
    en_once, en_per_pass = sample_paragraphs("en")
    lrtk_en = get_segmenter("en")
    sbd = pysbd.Segmenter(language="en", clean=False)
    for tool, split, minimum in (("lrtk", lrtk_en.spans, args.sentences),
                                 (f"pySBD {pysbd.__version__}", sbd.segment,
                                  args.baseline_sentences)):
        texts, sentences = repeated(en_once, en_per_pass, minimum)
        produced, seconds = timed(split, texts)
        rows.append({"lang": "en", "tool": tool, "sentences": sentences,
                     "produced": produced, "seconds": round(seconds, 3),
                     "sentences_per_s": round(sentences / seconds)})
    rows[0]["golden_rules"] = golden_score(lrtk_en.split)
    rows[1]["golden_rules"] = golden_score(sbd.segment)
    bn_texts, bn_sentences = repeated(*sample_paragraphs("bn"), args.sentences)
    produced, seconds = timed(get_segmenter("bn").spans, bn_texts)
    rows.append({"lang": "bn", "tool": "lrtk", "sentences": bn_sentences, "produced": produced,
                 "seconds": round(seconds, 3), "sentences_per_s": round(bn_sentences / seconds),
                 "golden_rules": "-"})
    baseline = rows[1]["sentences_per_s"]
    for row in rows:
        row["vs_pysbd_en"] = round(row["sentences_per_s"] / baseline, 1)

    lines = ["| lang | tool | sentences | seconds | sentences/s | x pySBD (en) | golden rules |",
             "|---|---|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['lang']} | {r['tool']} | {r['sentences']:,} | {r['seconds']} | "
                     f"{r['sentences_per_s']:,} | {r['vs_pysbd_en']} | {r['golden_rules']} |")
    table = "\n".join(lines) + "\n"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "segment.md").write_text(table, encoding="utf-8")
    (out / "segment.json").write_text(json.dumps({"rows": rows}, indent=2) + "\n",
                                      encoding="utf-8")
    print(table, end="")


if __name__ == "__main__":
    main()
