"""Summary table of a language-pair build (pipelines/pair.sh PAIR), read from its reports.

    python -m lrtk.pipeline_summary out/bn-en --title "bn-en on TICO-19"
    python -m lrtk.pipeline_summary --pairs out/bn-en out/ne-en -o out/pairs.md   # `make pairs`

Every stage of the pipeline leaves a report in WORK (reports/*.json, lm/train_report.json,
tuned/curriculum.json, the model file, run.txt); this prints one Markdown table of what each
stage kept or measured, then the generated sample, and writes the same to WORK/summary.md.
A stage that has not run yet shows as "-", so the summary also works on a partial build.
With --pairs it prints one table with a row per build instead (one pair per WORK folder).
"""

from __future__ import annotations

import argparse
import json
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


ROWS = (("segment", _segment), ("align", _align), ("filter", _filter), ("corpus", _corpus),
        ("train", _train), ("tune", _tune), ("eval (tuned model)", _eval),
        ("export", _export), ("run (native)", _bench))


def summary(work: Path, title: str) -> str:
    lines = [f"## {title}", "", "| stage | result |", "|---|---|"]
    for name, row in ROWS:
        lines.append(f"| {name} | {row(work) or '-'} |")
    sample = work / "run.txt"
    if sample.exists():
        lines += ["", "Generated sample (native runtime):", "", "```",
                  sample.read_text(encoding="utf-8").strip(), "```"]
    return "\n".join(lines) + "\n"


def _pair_row(work: Path) -> list[str | None]:
    """The headline figures of one pair's build (None where a stage has not run); per-language
    figures in the order source / target."""
    reports = work / "reports"
    corpus, filt = _json(reports / "corpus.json"), _json(reports / "filter.json")
    tok = _json(reports / "tokenizer.json")
    train, scores = _json(work / "lm" / "train_report.json"), _json(reports / "eval.json") or {}
    decode = [r["decode_tok_s"] for r in _jsonl(reports / "bench.jsonl") if r["threads"] == 1]
    model = work / "model.lrtk"
    langs = corpus["languages"] if corpus else []
    row = [work.name, None, None, None, None, None]
    if corpus:
        splits = corpus["counts"]["splits"]
        row[1] = ", ".join(sorted({s["licence"] for s in corpus["sources"]}))
        row[3] = f"{splits['train']:,}/{splits['dev']:,}/{splits['test']:,}"
    if filt:
        kept = 100 * filt["kept"] / max(filt["input"], 1)
        row[2] = f"{filt['kept']:,}/{filt['input']:,} ({kept:.1f}%)"
    if tok and langs:
        fertility = {r["lang"]: r["fertility"] for r in tok["languages"]}
        row[4] = " / ".join(f"{fertility[lang]:.2f}" for lang in langs)
    if train and langs:
        row[5] = " / ".join(f"{train['final_eval_loss'][lang]:.2f}" for lang in langs)
    return row + [f"{scores[m]['score']:.2f}" if m in scores else None for m in ("bleu", "chrf")] \
        + [f"{model.stat().st_size / 1e6:.2f} MB" if model.exists() else None,
           f"{decode[0]:,.0f}" if decode else None]


PAIR_COLUMNS = ("pair", "licence", "filter kept", "corpus train/dev/test",
                "fertility (src / en)", "LM held-out loss (src / en)", "BLEU", "chrF",
                "model.lrtk", "decode tok/s (1 thread)")


def pairs_table(works: list[Path]) -> str:
    lines = ["| " + " | ".join(PAIR_COLUMNS) + " |", "|" + "---|" * len(PAIR_COLUMNS)]
    for work in works:
        lines.append("| " + " | ".join(cell or "-" for cell in _pair_row(work)) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path, nargs="?", help="The pipeline's WORK directory.")
    parser.add_argument("--title", default="lrtk pipeline")
    parser.add_argument("--pairs", type=Path, nargs="+", metavar="WORK",
                        help="One table across these builds instead (a row per pair).")
    parser.add_argument("-o", "--output", type=Path,
                        help="Where --pairs writes its table (default: only printed).")
    args = parser.parse_args(argv)
    if (args.work is None) == (args.pairs is None):
        parser.error("give one WORK directory, or --pairs WORK...")
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
