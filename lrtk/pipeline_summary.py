"""Summary table of a language-pair build (pipelines/pair.sh PAIR), read from its reports.

    python -m lrtk.pipeline_summary out/bn-en --title "bn-en on TICO-19"
    python -m lrtk.pipeline_summary --pairs out/bn-en out/ne-en -o out/pairs.md   # `make pairs`
    python -m lrtk.pipeline_summary --pairs out/*-en --update README.md docs/pipelines.md

Every stage of the pipeline leaves a report in WORK (reports/*.json, lm/train_report.json,
tuned/curriculum.json, the model file, run.txt); this prints one Markdown table of what each
stage kept or measured, then the generated sample, and writes the same to WORK/summary.md.
A stage that has not run yet shows as "-", so the summary also works on a partial build.
With --pairs it prints one table with a row per build instead (one pair per WORK folder);
--update rewrites the tables of those pages in place (`make pairs-docs`): the table right
after a `<!-- pairs-table: full -->` or `<!-- pairs-table: compact -->` line.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from lrtk.io import atomic_output


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _losses(initial: dict, final: dict) -> str:
    return ", ".join(f"{lang} {initial[lang]:.2f} → {final[lang]:.2f}" for lang in sorted(final))


def _segment(work: Path) -> str | None:
    reports = sorted((work / "reports").glob("segment.*.json"))
    if not reports:
        return None
    parts = [f"{r['lang']} {r['sentences']:,}" for r in map(_json, reports)]
    return f"{_json(reports[0])['documents']} documents → sentences: " + ", ".join(parts)


def _align(work: Path) -> str | None:
    r = _json(work / "reports" / "align.json")
    if r is None:
        return None
    shapes = ", ".join(f"{k} {v}" for k, v in sorted(r["bead_shapes"].items()))
    return f"{r['pairs']:,} pairs from {r['documents']} document pairs ({shapes})"


def _filter(work: Path) -> str | None:
    r = _json(work / "reports" / "filter.json")
    if r is None:
        return None
    rejected = ", ".join(f"{k} {v}" for k, v in r["rejected"].items() if v)
    return f"{r['kept']:,} of {r['input']:,} kept ({100 * r['kept'] / max(r['input'], 1):.1f}%); " \
           f"rejected by {rejected or 'none'}"


def _corpus(work: Path) -> str | None:
    r = _json(work / "reports" / "corpus.json")
    if r is None:
        return None
    splits = ", ".join(f"{k} {v:,}" for k, v in r["counts"]["splits"].items())
    return f"{r['counts']['decontaminated']:,} pairs after dedup and decontamination: {splits}"


def _train(work: Path) -> str | None:
    r = _json(work / "lm" / "train_report.json")
    if r is None:
        return None
    return f"{r['parameters']:,} parameters, {r['config']['steps']} steps; held-out loss " \
           + _losses(r["initial_eval_loss"], r["final_eval_loss"])


def _tune(work: Path) -> str | None:
    r = _json(work / "tuned" / "curriculum.json")
    if r is None:
        return None
    stages = [f"{s['stage']} {s['initial_eval_loss']:.2f} → {s['final_eval_loss']:.2f}"
              for s in r["stages"]]
    return "LoRA curriculum, held-out loss: " + "; ".join(stages)


def _eval(work: Path) -> str | None:
    r = _json(work / "reports" / "eval.json")
    if r is None:
        return None
    return ", ".join(f"{name.upper()} {m['score']:.2f}" for name, m in r.items()
                     if isinstance(m, dict) and "score" in m)


def _export(work: Path) -> str | None:
    model = work / "model.lrtk"
    return f"{model.name}: {model.stat().st_size / 1e6:.2f} MB" if model.exists() else None


def _bench(work: Path) -> str | None:
    rows = _jsonl(work / "reports" / "bench.jsonl")
    if not rows:
        return None
    return "; ".join(f"{r['threads']} thread(s): decode {r['decode_tok_s']:.0f} tok/s, "
                     f"prefill {r['prefill_tok_s']:.0f} tok/s" for r in rows)


def _segment_f1(score: dict, digits: int) -> str:
    """A side's boundary F1, and against line ends alone where reviewed ends inside lines
    were part of the gold (lrtk.pair_quality)."""
    lines = f" (line ends only {score['f1_lines']:.{digits}f})" if "f1_lines" in score else ""
    return f"{score['f1']:.{digits}f}{lines}"


def _quality(work: Path) -> str | None:
    r = _json(work / "reports" / "quality.json")
    if r is None:
        return None
    seg = ", ".join(f"{lang} {_segment_f1(s, 4)}" for lang, s in r["segment"].items())
    rates = r["filter"]["rates"]
    kinds = ", ".join(f"{k} {100 * rates[k]['flagged']:.1f}%" for k in r["filter"]["kinds"]
                      if k in rates)
    return f"on {r['set']}: segment boundary F1 {seg}; align strict F1 " \
           f"{r['align']['strict_f1']:.3f} (lax {r['align']['lax_f1']:.3f}); filter with " \
           f"{100 * r['filter']['noise_rate']:.0f}% noise: clean kept " \
           f"{100 * rates['clean']['kept']:.1f}%, noise flagged " \
           f"{100 * r['filter']['noise_flagged']:.1f}% ({kinds})"


ROWS = (("segment", _segment), ("align", _align), ("filter", _filter), ("corpus", _corpus),
        ("train", _train), ("tune", _tune), ("eval (tuned model)", _eval),
        ("export", _export), ("run (native)", _bench), ("quality", _quality))


def summary(work: Path, title: str) -> str:
    lines = [f"## {title}", "", "| stage | result |", "|---|---|"]
    for name, row in ROWS:
        lines.append(f"| {name} | {row(work) or '-'} |")
    sample = work / "run.txt"
    if sample.exists():
        lines += ["", "Generated sample (native runtime):", "", "```",
                  sample.read_text(encoding="utf-8").strip(), "```"]
    return "\n".join(lines) + "\n"


def _pct(share: float) -> str:
    return f"{100 * share:.1f}%"


def _pair_cells(work: Path) -> dict[str, str | None]:
    """The headline figures of one pair's build by column name (None where a stage has not
    run); per-language figures in the order source / target."""
    reports = work / "reports"
    corpus, filt = _json(reports / "corpus.json"), _json(reports / "filter.json")
    tok, quality = _json(reports / "tokenizer.json"), _json(reports / "quality.json")
    train, tune = _json(work / "lm" / "train_report.json"), _json(work / "tuned" / "curriculum.json")
    scores = _json(reports / "eval.json") or {}
    decode = [r["decode_tok_s"] for r in _jsonl(reports / "bench.jsonl") if r["threads"] == 1]
    model = work / "model.lrtk"
    langs = corpus["languages"] if corpus else work.name.split("-")
    cells: dict[str, str | None] = dict.fromkeys(PAIR_COLUMNS)
    cells["pair"] = work.name
    if corpus:
        splits = corpus["counts"]["splits"]
        cells["licence"] = ", ".join(sorted({s["licence"] for s in corpus["sources"]}))
        cells["corpus train/dev/test"] = f"{splits['train']:,}/{splits['dev']:,}/{splits['test']:,}"
        cells["train pairs"] = f"{splits['train']:,}"
    if quality:
        cells["segment F1 (src / en)"] = " / ".join(_segment_f1(quality["segment"][lang], 3)
                                                    for lang in langs)
        cells["align strict F1"] = f"{quality['align']['strict_f1']:.3f}"
        cells["filter: clean kept / noise flagged"] = \
            f"{_pct(quality['filter']['rates']['clean']['kept'])} / " \
            f"{_pct(quality['filter']['noise_flagged'])}"
    if filt:
        cells["filter kept (build)"] = f"{filt['kept']:,}/{filt['input']:,} " \
                                       f"({_pct(filt['kept'] / max(filt['input'], 1))})"
    if tok:
        fertility = {r["lang"]: r["fertility"] for r in tok["languages"]}
        cells["fertility (src / en)"] = " / ".join(f"{fertility[lang]:.2f}" for lang in langs)
    if train:
        cells["LM held-out loss (src / en)"] = " / ".join(
            f"{train['final_eval_loss'][lang]:.2f}" for lang in langs)
    if tune:
        cells["tuned held-out loss (per stage)"] = " / ".join(
            f"{s['final_eval_loss']:.2f}" for s in tune["stages"])
    for metric, column in (("bleu", "BLEU"), ("chrf", "chrF")):
        if metric in scores:
            cells[column] = f"{scores[metric]['score']:.2f}"
    if model.exists():
        cells["model.lrtk"] = f"{model.stat().st_size / 1e6:.2f} MB"
    if decode:
        cells["decode tok/s (1 thread)"] = f"{decode[0]:,.0f}"
    return cells


# The full table (out/pairs.md, docs/pipelines.md) and the README's compact one.
PAIR_COLUMNS = ("pair", "licence", "segment F1 (src / en)", "align strict F1",
                "filter: clean kept / noise flagged", "filter kept (build)",
                "corpus train/dev/test", "train pairs", "fertility (src / en)",
                "LM held-out loss (src / en)", "tuned held-out loss (per stage)", "BLEU", "chrF",
                "model.lrtk", "decode tok/s (1 thread)")
TABLES = {
    "full": tuple(c for c in PAIR_COLUMNS if c != "train pairs"),
    "compact": ("pair", "segment F1 (src / en)", "align strict F1",
                "filter: clean kept / noise flagged", "train pairs", "fertility (src / en)",
                "LM held-out loss (src / en)", "tuned held-out loss (per stage)", "BLEU", "chrF"),
}
_MARKER = re.compile(r"^<!-- pairs-table: (\w+) -->$")


def pairs_table(works: list[Path], columns: tuple[str, ...] = TABLES["full"]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for work in works:
        cells = _pair_cells(work)
        lines.append("| " + " | ".join(cells[c] or "-" for c in columns) + " |")
    return "\n".join(lines) + "\n"


def update_page(page: Path, works: list[Path]) -> None:
    """Replace the table after each `<!-- pairs-table: KIND -->` line of `page`."""
    lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
    out, i, found = [], 0, 0
    while i < len(lines):
        out.append(lines[i])
        m = _MARKER.match(lines[i].strip())
        i += 1
        if m:
            if m.group(1) not in TABLES:
                raise SystemExit(f"{page}: unknown table kind {m.group(1)!r} "
                                 f"(kinds: {', '.join(TABLES)})")
            found += 1
            out.append(pairs_table(works, TABLES[m.group(1)]))
            while i < len(lines) and lines[i].startswith("|"):
                i += 1
    if not found:
        raise SystemExit(f"{page}: no <!-- pairs-table: KIND --> line to update")
    with atomic_output(page) as fh:
        fh.write("".join(out))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path, nargs="?", help="The pipeline's WORK directory.")
    parser.add_argument("--title", default="lrtk pipeline")
    parser.add_argument("--pairs", type=Path, nargs="+", metavar="WORK",
                        help="One table across these builds instead (a row per pair).")
    parser.add_argument("-o", "--output", type=Path,
                        help="Where --pairs writes its table (default: only printed).")
    parser.add_argument("--update", type=Path, nargs="+", metavar="PAGE",
                        help="With --pairs: rewrite the tables marked in these pages.")
    args = parser.parse_args(argv)
    if (args.work is None) == (args.pairs is None):
        parser.error("give one WORK directory, or --pairs WORK...")
    if args.update and not args.pairs:
        parser.error("--update goes with --pairs")
    for page in args.update or []:
        update_page(page, args.pairs)
    if args.pairs:
        text, out = pairs_table(args.pairs), args.output
    else:
        text, out = summary(args.work, args.title), args.work / "summary.md"
    if out is not None:
        with atomic_output(out) as fh:
            fh.write(text)
    print(text, end="")


if __name__ == "__main__":
    main()
