"""Report sections about the data: where it went stage by stage, what the filters did, the
lengths of the final corpus, the tokenizer's fertility and the sampling plan."""

from __future__ import annotations

import statistics

from lrtk.charts import plots
from lrtk.charts.distributions import filter_hists, length_hists, words
from lrtk.report.html import e, figure, note, table
from lrtk.report.work import Missing, Work

REJECT_SAMPLES = 3  # rejected pairs shown per filter


def flow(work: Work) -> str:
    """Counts per step: documents and sentences per language, then pairs."""
    segments = [work.json(str(p.relative_to(work.root)))
                for p in sorted((work.root / "reports").glob("segment.*.json"))]
    align = work.optional(work.json, "reports/align.json")
    filtered = work.optional(work.json, "reports/filter.json")
    corpus = work.optional(work.json, "reports/corpus.json")
    steps: list[tuple[str, str, int]] = []  # (step, language or "pairs", count)
    for key in ("documents", "sentences"):
        steps += [(key, s["lang"], s[key]) for s in segments]
    if align:
        steps.append(("aligned", "pairs", align["pairs"]))
    if filtered:
        steps.append(("kept by the filters", "pairs", filtered["kept"]))
    if corpus:
        counts = corpus["counts"]
        steps += [("exact duplicates removed", "pairs", counts["exact_dedup"]),
                  ("near duplicates removed", "pairs", counts["near_dedup"]),
                  ("decontaminated", "pairs", counts["decontaminated"])]
        steps += [(f"split {k}", "pairs", v) for k, v in counts["splits"].items()]
    if not steps:
        raise Missing("none of reports/segment.*.json, align.json, filter.json, corpus.json "
                      "was found")
    labels = [f"{step} ({unit})" if unit != "pairs" else step for step, unit, _ in steps]
    svg = plots.bars("flow", labels, {"count": [n for *_, n in steps]}, "count (log scale)",
                     log=True)
    return (table(("step", "of", "count"), [(s, u, f"{n:,}") for s, u, n in steps], numeric=(2,))
            + figure(svg, "What is left after each step (documents and sentences per language, "
                          "then sentence pairs)."))


def filters(work: Work) -> str:
    rep = work.json("reports/filter.json")
    scored = {}
    for key, h in rep["histograms"].items():
        scored.setdefault(key.split(".")[0], sum(h["counts"]))
    names = [f["name"] for f in rep["filters"]]
    rows = [(f["name"], ", ".join(f"{k}={v}" for k, v in f.items() if k != "name") or "-",
             f"{scored.get(f['name'], 0):,}", f"{rep['rejected'].get(f['name'], 0):,}")
            for f in rep["filters"]]
    body = (f"<p>{rep['kept']:,} of {rep['input']:,} pairs kept. Filters run in order; each "
            "scores only the pairs the ones before it kept.</p>"
            + table(("filter", "options", "pairs scored", "rejected"), rows, numeric=(2, 3))
            + figure(plots.bars("filter-rejected", names,
                                {"rejected": [rep["rejected"].get(n, 0) for n in names]},
                                "pairs rejected"), "Pairs rejected per filter.")
            + figure(plots.histograms("filter-scores", filter_hists(rep)),
                     "Every score of every filter over the pairs it scored; dashed lines are "
                     "the thresholds."))
    return body + _rejected(work, names)


def _rejected(work: Work, order: list[str]) -> str:
    samples: dict[str, list[dict]] = {}
    try:
        for rec in work.jsonl("rejects.jsonl"):
            by = rec.get("rejected_by", "?")
            if len(samples.setdefault(by, [])) < REJECT_SAMPLES:
                samples[by].append(rec)
    except Missing as m:
        return note(f"Rejected pairs: {m} (the filter stage writes them when asked for its "
                    "rejects).")
    if not samples:
        return "<p>No pair was rejected.</p>"
    parts = [f"<h3>Rejected pairs (up to {REJECT_SAMPLES} per filter)</h3>"]
    for name in sorted(samples, key=lambda n: (order.index(n) if n in order else len(order), n)):
        rows = [(r.get("id", ""), r.get("src", ""), r.get("tgt", ""),
                 ", ".join(f"{k} {v:g}" for k, v in r.get("scores", {}).get(name, {}).items()))
                for r in samples[name]]
        parts.append(f"<h4>{e(name)}</h4>" + table(("id", "source", "target", "scores"), rows))
    return "".join(parts)


def lengths(work: Work) -> str:
    corpus = work.json("reports/corpus.json")
    src_lang, tgt_lang = corpus["languages"]
    src, tgt = [], []
    for split in corpus["counts"]["splits"]:
        src += work.lines(f"corpus/{split}.{src_lang}")
        tgt += work.lines(f"corpus/{split}.{tgt_lang}")
    rows = []
    for lang, texts in ((src_lang, src), (tgt_lang, tgt)):
        n = [words(t) for t in texts]
        if n:
            rows.append((lang, f"{len(n):,}", f"{statistics.fmean(n):.1f}",
                         f"{statistics.median(n):g}", min(n), max(n)))
    body = table(("language", "sentences", "words mean", "median", "min", "max"), rows,
                 numeric=(1, 2, 3, 4, 5))
    return body + figure(plots.histograms("lengths", length_hists(src, tgt, (src_lang, tgt_lang))),
                         "Words per sentence in each language and the word ratio of the pairs, "
                         "over every split of the corpus.")


def tokenizer(work: Work) -> str:
    rep = work.json("reports/tokenizer.json")
    spm = work.optional(work.json, "tokenizer/spm.json")
    langs = rep["languages"]
    head = (f"<p>{spm['vocab_size']:,}-piece {e(spm['options']['model_type'])} model, "
            f"measured on held-out text.</p>" if spm else "")
    rows = [(r["lang"], f"{r['lines']:,}", f"{r['words']:,}", f"{r['tokens']:,}",
             f"{r['fertility']:.3f}", f"{r['chars_per_token']:.2f}",
             f"{100 * r['unk_rate']:.3f}", f"{100 * r['byte_fallback_rate']:.3f}")
            for r in langs]
    svg = plots.bars("fertility", [r["lang"] for r in langs],
                     {"tokens per word": [r["fertility"] for r in langs]}, "tokens per word")
    return (head + table(("language", "lines", "words", "tokens", "fertility", "chars/token",
                          "unk %", "bytes %"), rows, numeric=range(1, 8))
            + figure(svg, "Fertility: tokens per whitespace word (what a language pays per "
                          "word in context and compute)."))


def plan(work: Work) -> str:
    rep = work.json("sample.plan.json")
    langs = list(rep["lines"])
    phases = rep["phases"]
    labels = [f"phase {p['index'] + 1} (τ {p['tau']:g})" for p in phases]
    rows = [(label, f"{p['draws']:,}", *(f"{p['probs'][lang]:.3f}" for lang in langs),
             *(f"{p['epochs'][lang]:.2f}" for lang in langs)) for label, p in zip(labels, phases)]
    header = ("phase", "examples", *(f"p({lang})" for lang in langs),
              *(f"epochs {lang}" for lang in langs))
    schedule = rep["schedule"]
    text = (f"<p>{e(schedule['kind'])} schedule over {rep['budget']:,.0f} {e(rep['unit'])}"
            + (f", switching at {schedule['switch']:g} of the budget" if len(phases) > 1 else "")
            + ".</p>")
    svg = plots.bars("plan", labels, {lang: [p["probs"][lang] for p in phases] for lang in langs},
                     "probability of drawing the language")
    return (text + table(header, rows, numeric=range(1, len(header)))
            + figure(svg, "Sampling probability of each language per phase."))
