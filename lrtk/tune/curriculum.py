"""TaCo curricula: ordered tuning stages, each continuing the previous stage's adapter.

A curriculum is a YAML file::

    seed: 0
    adapter:                  # TaCo's published LoRA (Upadhayay & Behzadan 2023)
      method: lora            # lora | seq_bn | seq_bn_inv
      r: 32
      alpha: 64
      dropout: 0.05
      targets: [q, k, v]      # (reduction_factor: 16 for the bottleneck methods)
    stages:
      - name: translation
        data:
          sources: {ne-en: tr.ne.jsonl, bn-en: tr.bn.jsonl}   # {prompt, target} JSONL
          schedule: temperature     # lrtk sample schedules: temperature | cooldown | unimax
          tau: 5
          budget: 2000              # examples drawn for the stage (default: all sources)
        epochs: 1                   # or steps: N
        lr: 3.0e-4
      - name: taco
        data: taco.ne.jsonl         # one source: each example once, in seeded order
        steps: 500
        lr: 1.0e-4

Paths are relative to the YAML file. Every stage but the first loads the adapter the
previous stage saved, so its adapter settings must equal the running ones; a stage with
`continue: false` starts a fresh adapter from its own settings instead.

TaCo also puts LoRA on the attention output projection (o). The adapters library has no
LoRA on that matrix (its `output` target is the feed-forward output), so `o` is refused
rather than silently dropped; the default adapter keeps TaCo's q, k, v.
"""

from __future__ import annotations

import math
import os
import shutil
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from lrtk.errors import DataError, UsageError
from lrtk.io import read_jsonl, write_json, write_jsonl
from lrtk.io.lines import open_lines
from lrtk.io.schema import EXAMPLE, UniqueIds, record_id
from lrtk.io.numbers import COUNT, POSITIVE, SEED, Limits
from lrtk.io.progress import info
from lrtk.tune.methods import MethodSettings
from lrtk.tune.run import LIMITS as TUNE_LIMITS
from lrtk.tune.run import TuneConfig, tune

SCHEDULE_KEYS = ("tau", "tau_end", "switch", "unimax_epochs")
STAGE_KEYS = {"name", "data", "steps", "epochs", "lr", "batch_size", "max_length", "adapter",
              "continue", "eval"}
# Curriculum keys -> lrtk tune's MethodSettings fields (the YAML uses TaCo's short names).
ADAPTER_KEYS = {"method": "method", "r": "lora_r", "alpha": "lora_alpha",
                "dropout": "lora_dropout", "targets": "lora_targets",
                "reduction_factor": "reduction_factor"}
# The adapter TaCo published, minus `o` (see above).
TACO_ADAPTER = MethodSettings("lora", lora_r=32, lora_alpha=64, lora_targets=("q", "k", "v"),
                              lora_dropout=0.05)


@dataclass
class Mixture:
    """Where a stage's examples come from and how they are mixed (an `lrtk sample` plan)."""

    sources: dict[str, str]
    schedule: str = "temperature"
    options: dict[str, float] = field(default_factory=dict)
    budget: int | None = None


@dataclass
class Stage:
    name: str
    data: Mixture
    steps: int | None = None
    epochs: float | None = None
    lr: float = 1e-4
    batch_size: int = 8
    max_length: int = 256
    adapter: MethodSettings = TACO_ADAPTER
    continues: bool = True
    eval: str | None = None


@dataclass
class Curriculum:
    path: str
    stages: list[Stage]
    seed: int = 0


@dataclass
class CurriculumResult:
    stages: list  # one lrtk.tune.TuneResult per stage, in order
    adapter_dir: Path  # OUT/adapter: the last stage's adapter, the curriculum's product
    merged_dir: Path | None = None  # OUT/merged, with merge=True


def _error(path: str, where: str | None, message: str, hint: str | None = None) -> UsageError:
    return UsageError(f"{where}: {message}" if where else message, path=path, hint=hint)


def _adapter(raw, base: MethodSettings, path: str, where: str) -> MethodSettings:
    if raw is None:
        return base
    if not isinstance(raw, dict) or set(raw) - set(ADAPTER_KEYS):
        raise _error(path, where, "adapter must be a mapping of "
                     f"{', '.join(sorted(ADAPTER_KEYS))}")
    settings = replace(base, **{ADAPTER_KEYS[k]: (tuple(v) if k == "targets" else v)
                                for k, v in raw.items()})
    if "o" in settings.lora_targets:
        raise _error(path, where, "LoRA target 'o' (attention output) is not supported by the "
                     "adapters library", hint="use q, k, v (TaCo's other targets)")
    try:
        settings.validate()
    except (UsageError, TypeError) as e:  # TypeError: a YAML string compared with a number
        raise _error(path, where, e.marked() if isinstance(e, UsageError) else str(e)) from None
    return settings


def _number(raw: dict, key: str, limits: Limits, default, path: str, where: str | None):
    """raw[key] within `limits` (YAML reads 3e-4 as a string: convert it too)."""
    value = raw.get(key, default)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    try:
        return limits.check(value, key)
    except UsageError as e:
        raise _error(path, where, e.message) from None


def _resolve(base_dir: str, p, path: str, where: str) -> str:
    if not isinstance(p, str) or not p:
        raise _error(path, where, f"expected a file path, got {p!r}")
    return p if os.path.isabs(p) else os.path.join(base_dir, p)


def _mixture(raw, base_dir: str, path: str, where: str) -> Mixture:
    if isinstance(raw, str):
        return Mixture({Path(raw).stem: _resolve(base_dir, raw, path, where)})
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), dict) or not raw["sources"]:
        raise _error(path, where, "data must be a file or a mapping with 'sources' "
                     "(name: file)")
    unknown = set(raw) - {"sources", "schedule", "budget", *SCHEDULE_KEYS}
    if unknown:
        raise _error(path, where, f"unknown data key(s) {', '.join(sorted(unknown))}")
    return Mixture({str(k): _resolve(base_dir, v, path, where)
                    for k, v in raw["sources"].items()},
                   raw.get("schedule", "temperature"),
                   {k: _number(raw, k, POSITIVE, None, path, where) for k in SCHEDULE_KEYS
                    if k in raw},
                   _number(raw, "budget", COUNT, None, path, where))


def load_curriculum(path: str | os.PathLike) -> Curriculum:
    """Parse and check a curriculum YAML; every mistake is one UsageError naming the stage."""
    import yaml

    path = str(path)
    try:
        doc = yaml.safe_load(open_lines(path))
    except yaml.YAMLError as e:
        raise UsageError(f"not valid YAML: {str(e).splitlines()[0]}", path=path) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("stages"), list) or not doc["stages"]:
        raise UsageError("a curriculum needs a non-empty 'stages' list", path=path)
    base_dir = os.path.dirname(os.path.abspath(path))
    default = _adapter(doc.get("adapter"), TACO_ADAPTER, path, "adapter")
    stages: list[Stage] = []
    for i, raw in enumerate(doc["stages"], start=1):
        where = f"stage {i}"
        if not isinstance(raw, dict):
            raise _error(path, where, "must be a mapping")
        where = f"stage {i} ({raw.get('name', 'unnamed')})"
        unknown = set(raw) - STAGE_KEYS
        if unknown:
            raise _error(path, where, f"unknown key(s) {', '.join(sorted(unknown))}",
                         hint=f"stage keys: {', '.join(sorted(STAGE_KEYS))}")
        if ("steps" in raw) == ("epochs" in raw):
            raise _error(path, where, "give exactly one of 'steps' and 'epochs'")
        continues = bool(raw.get("continue", True)) and i > 1
        adapter = _adapter(raw.get("adapter"), stages[-1].adapter if continues else default,
                           path, where)
        if continues and adapter != stages[-1].adapter:
            raise _error(path, where, "changes the adapter settings but continues the previous "
                         "stage's adapter", hint="set 'continue: false' to start a new adapter")
        stage = Stage(name=str(raw.get("name", f"stage{i}")),
                      data=_mixture(raw.get("data"), base_dir, path, where),
                      steps=_number(raw, "steps", TUNE_LIMITS["steps"], None, path, where),
                      epochs=_number(raw, "epochs", POSITIVE, None, path, where),
                      lr=_number(raw, "lr", TUNE_LIMITS["lr"], 1e-4, path, where),
                      batch_size=_number(raw, "batch_size", TUNE_LIMITS["batch_size"], 8, path,
                                         where),
                      max_length=_number(raw, "max_length", TUNE_LIMITS["max_length"], 256,
                                         path, where),
                      adapter=adapter, continues=continues,
                      eval=_resolve(base_dir, raw["eval"], path, where) if "eval" in raw else None)
        stages.append(stage)
    return Curriculum(path, stages, _number(doc, "seed", SEED, 0, path, None))


def _examples_by_id(name: str, path: str) -> dict[str, dict]:
    """A source's {prompt, target} records keyed by id (how drawn examples are found again)."""
    out: dict[str, dict] = {}
    ids = UniqueIds()
    for rec in read_jsonl(path, schema=EXAMPLE):
        key = record_id(rec)
        ids.add(key, rec.path, rec.line)
        out[key] = {"id": key, "source": name, "prompt": rec["prompt"], "target": rec["target"]}
    return out


def draw_mixture(mixture: Mixture, seed: int) -> list[dict]:
    """The stage's training examples: drawn with an lrtk.sampling plan over the sources."""
    from lrtk.sampling import CorpusSpec, MixtureStream, Schedule, plan_corpora, scan_corpora

    specs = [CorpusSpec(name, (path,), "jsonl", "target") for name, path in mixture.sources.items()]
    corpora = scan_corpora(specs)
    plan = plan_corpora(corpora, schedule=Schedule(mixture.schedule, **mixture.options),
                        budget=mixture.budget)
    for warning in plan.warnings:
        info(f"curriculum: {warning}")
    by_source = {name: _examples_by_id(name, path) for name, path in mixture.sources.items()}
    stream = MixtureStream(plan, corpora, seed=seed)
    try:
        return [by_source[rec["lang"]][rec["id"]] for rec in stream]
    finally:
        stream.close()


def stage_steps(stage: Stage, n_examples: int) -> int:
    if stage.steps is not None:
        return stage.steps
    return max(1, math.ceil(stage.epochs * n_examples / stage.batch_size))


def run_curriculum(path: str | os.PathLike, *, model: str, output: str | os.PathLike,
                   seed: int | None = None, init_adapter: str | None = None,
                   merge: bool = False) -> CurriculumResult:
    """Tune `model` through the stages of the curriculum at `path`, in order.

    Each stage draws its mixture (written to `output/NN-name.train.jsonl`), then runs
    `lrtk.tune.tune` into `output/NN-name/`, starting from the previous stage's adapter
    (the first stage from `init_adapter`, or a fresh adapter). `seed` overrides the file's
    seed; stage k uses seed + k. As after a single `lrtk tune`, the product is
    `output/adapter` (the last stage's adapter) and, with `merge`, `output/merged` (the base
    model with it folded in); `output/curriculum.json` summarises the run.
    """
    from lrtk.io.atomic import atomic_dir

    curriculum = load_curriculum(path)
    base_seed = curriculum.seed if seed is None else seed
    final = Path(output)
    # The whole run is one output folder, staged and renamed into place at the end: an
    # interrupted curriculum leaves no half-done stages behind (nor replaces an old run's).
    with atomic_dir(final, "tune") as staged:
        results = _run_stages(curriculum, path, staged, final, model, base_seed, init_adapter,
                              merge)
    moved = [replace(r, output=_moved(r.output, staged, final),
                     adapter_dir=_moved(r.adapter_dir, staged, final),
                     merged_dir=_moved(r.merged_dir, staged, final)) for r in results]
    return CurriculumResult(moved, final / "adapter", final / "merged" if merge else None)


def _moved(p, staged: Path, final: Path) -> Path | None:
    """Where a path inside the staged output folder is once the folder is in place."""
    if p is None or not Path(p).is_relative_to(staged):
        return p
    return final / Path(p).relative_to(staged)


def _run_stages(curriculum: Curriculum, path, out: Path, final: Path, model: str,
                base_seed: int, init_adapter: str | None, merge: bool) -> list:
    """Every stage into `out`, the staged output folder; the summary names the paths each
    file will have in `final`."""
    def named(p):
        moved = _moved(p, out, final)
        return None if moved is None else str(moved)

    results, summary = [], []
    previous = init_adapter
    for k, stage in enumerate(curriculum.stages):
        stage_seed = base_seed + k
        label = f"{k + 1:02d}-{stage.name}"
        examples = draw_mixture(stage.data, stage_seed)
        if not examples:
            raise DataError(f"stage {label} drew no examples", path=str(path))
        train_file = out / f"{label}.train.jsonl"
        write_jsonl(examples, train_file)
        steps = stage_steps(stage, len(examples))
        info(f"curriculum: stage {label}: {len(examples)} examples, {steps} steps, "
             f"lr {stage.lr:g}")
        init = previous if (stage.continues or k == 0) else None
        result = tune(TuneConfig(
            model=model, train=str(train_file), output=str(out / label), objective="translation",
            **asdict(stage.adapter), steps=steps, batch_size=stage.batch_size, lr=stage.lr,
            max_length=stage.max_length, seed=stage_seed, eval=stage.eval,
            init_adapter=str(init) if init else None,
            merge=merge and k == len(curriculum.stages) - 1))
        results.append(result)
        previous = result.adapter_dir
        summary.append({"stage": label, "examples": len(examples), "steps": steps,
                        "lr": stage.lr, "seed": stage_seed, "adapter": asdict(stage.adapter),
                        "continued_from": named(init),
                        "initial_eval_loss": result.initial_eval_loss,
                        "final_eval_loss": result.final_eval_loss,
                        "adapter_dir": named(result.adapter_dir)})
    last = results[-1]
    shutil.copytree(last.adapter_dir, out / "adapter")
    if last.merged_dir is not None:
        os.replace(last.merged_dir, out / "merged")  # a whole model: moved, not copied
    write_json({"curriculum": str(path), "seed": base_seed, "stages": summary,
                "adapter_dir": named(out / "adapter"),
                "merged_dir": named(out / "merged" if last.merged_dir is not None else None)},
               out / "curriculum.json")
    return results
