"""Report sections about the model: training and tuning curves, evaluation scores, export
sizes and the native runtime's speed."""

from __future__ import annotations

from lrtk.charts import plots
from lrtk.report.html import code, e, figure, table
from lrtk.charts.plots import Panel, Series
from lrtk.report.work import Work
from lrtk.train.schedule import decay_start


def _curves(metrics: list[dict], offset: int = 0) -> tuple[Series, Series, dict[str, Series]]:
    """Train loss, learning rate and held-out loss per language of one metrics.jsonl."""
    loss, lr = Series("train loss", [], []), Series("learning rate", [], [])
    held: dict[str, Series] = {}
    for m in metrics:
        step = m["step"] + offset
        if "loss" in m:
            loss.x.append(step)
            loss.y.append(m["loss"])
        if "lr" in m:
            lr.x.append(step)
            lr.y.append(m["lr"])
        for lang, value in m.get("eval_loss", {}).items():
            s = held.setdefault(lang, Series(f"held-out loss {lang}", [], [], points=True))
            s.x.append(step)
            s.y.append(value)
    return loss, lr, held


def train(work: Work) -> str:
    metrics = list(work.jsonl("lm/metrics.jsonl"))
    rep = work.optional(work.json, "lm/train_report.json")
    loss, lr, held = _curves(metrics)
    marks, rows = [], []
    if rep:
        cfg = rep["config"]
        rows += [("parameters", f"{rep['parameters']:,}"), ("steps × batch",
                 f"{cfg['steps']} × {cfg['batch_size']}"), ("peak learning rate", cfg["lr"]),
                 ("schedule", cfg["schedule"])]
        start = decay_start(cfg["steps"], cfg["schedule"], cfg["decay_fraction"])
        if cfg["schedule"] == "wsd":
            marks.append((f"LR decay starts (step {start})", start))
            rows.append(("LR decay from step", start))
        plan = work.optional(work.json, "sample.plan.json")
        if plan and plan["schedule"]["kind"] == "cooldown" and len(plan["phases"]) > 1:
            # lrtk train draws the plan's examples in order, batch by batch
            switch = sum(p["draws"] for p in plan["phases"][:-1]) / cfg["batch_size"]
            marks.insert(0, (f"cooldown switch (step {switch:g})", switch))
            rows.append(("cooldown switch at step", f"{switch:g}"))
        rows += [(f"held-out loss {lang}", f"{rep['initial_eval_loss'][lang]:.3f} → {v:.3f}")
                 for lang, v in sorted(rep["final_eval_loss"].items())]
    svg = plots.curves("train", [Panel("loss", [loss, *held.values()]),
                                 Panel("learning rate", [lr])], marks)
    return table(("training", "value"), rows) + figure(
        svg, "Training loss per step and held-out loss per language (dev split); dashed: the "
             "data mixture's cooldown switch and the start of the learning-rate decay.")


def tune(work: Work) -> str:
    cur = work.json("tuned/curriculum.json")
    loss, lr, held, marks, rows = [], Series("learning rate", [], []), [], [], []
    offset = 0
    for stage in cur["stages"]:
        name = stage["stage"]
        s_loss, s_lr, s_held = _curves(list(work.jsonl(f"tuned/{name}/metrics.jsonl")), offset)
        s_loss.label = f"train loss {name}"
        loss.append(s_loss)
        # NaN between stages: the rate restarts with each stage, its line too
        lr.x += [*s_lr.x, float("nan")]
        lr.y += [*s_lr.y, float("nan")]
        for s in s_held.values():
            s.label = f"held-out loss {name}"
            held.append(s)
        if offset:
            marks.append((f"{name} starts (step {offset})", offset))
        cfg = work.optional(work.json, f"tuned/{name}/report.json", {}).get("config")
        if cfg and cfg["schedule"] == "wsd":
            start = offset + decay_start(stage["steps"], "wsd", cfg["decay_fraction"])
            marks.append((f"{name} LR decay (step {start})", start))
        rows.append((name, f"{stage['examples']:,}", stage["steps"], stage["lr"],
                     f"{stage['initial_eval_loss']:.3f} → {stage['final_eval_loss']:.3f}"))
        offset += stage["steps"]
    svg = plots.curves("tune", [Panel("loss", [*loss, *held]), Panel("learning rate", [lr])],
                       marks, xlabel="step (stages one after another)")
    return table(("stage", "examples", "steps", "peak LR", "held-out loss"), rows,
                 numeric=(1, 2, 3)) + figure(
        svg, "Tuning loss per step and held-out loss per curriculum stage; dashed: stage "
             "starts and learning-rate decay starts.")


def evaluation(work: Work) -> str:
    rep = work.json("reports/eval.json")
    rows = [(name, f"{m['score']:.2f}", code(m.get("signature", "")))
            for name, m in rep.items() if isinstance(m, dict) and "score" in m]
    return ("<p>The tuned model on the test split; the signature says how each score was "
            "computed (sacrebleu), so scores compare only when signatures match.</p>"
            + table(("metric", "score", "signature"), rows, numeric=(1,)))


def export(work: Work) -> str:
    rows = list(work.jsonl("reports/export.jsonl"))
    labels = [_bits(r["bits"]) + (" (model.lrtk)" if r["file"] == "model.lrtk" else "")
              for r in rows]
    svg = plots.bars("export", labels, {"MB": [r["bytes"] / 1e6 for r in rows]}, "file size (MB)")
    return (table(("linear layers", "group size", "file", "size (MB)"),
                  [(label, r["group_size"] if r["bits"] != "f32" else "-", r["file"],
                    f"{r['bytes'] / 1e6:.2f}")
                   for label, r in zip(labels, rows)], numeric=(1, 3))
            + figure(svg, "Size of the exported model file per bit width of the linear layers."))


def _bits(bits: str) -> str:
    return f"{bits} bits" if bits.isdigit() else bits


def runtime(work: Work) -> str:
    rows = list(work.jsonl("reports/bench.jsonl"))
    labels = [f"{r['threads']} thread{'s' if r['threads'] != 1 else ''}" for r in rows]
    svg = plots.bars("runtime", labels, {"prefill": [r["prefill_tok_s"] for r in rows],
                                         "decode": [r["decode_tok_s"] for r in rows]},
                     "tokens per second")
    model = rows[0].get("model", "") if rows else ""
    return (f"<p>{e(model)} on the native runtime (lrtk bench).</p>"
            + table(("threads", "prompt tokens", "decode tokens", "prefill tok/s",
                     "decode tok/s", "peak RSS (MiB)"),
                    [(label, r["prompt_tokens"], r["decode_tokens"], f"{r['prefill_tok_s']:,.0f}",
                      f"{r['decode_tok_s']:,.0f}", f"{r.get('peak_rss_mib', 0):.0f}")
                     for label, r in zip(labels, rows)], numeric=range(1, 6))
            + figure(svg, "Tokens per second of the exported model, prefill and decode."))
