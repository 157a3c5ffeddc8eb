"""`train(TrainConfig) -> TrainResult`: pre-train or continue pre-training a causal LM.

Data is an `lrtk sample` mixture: a saved plan (`--plan`) or corpora planned here with
budget = steps x batch size examples. With a WSD learning-rate schedule and a cooldown
mixture, the mixture's switch defaults to the first step of the LR decay.

Output directory (written atomically): the Hugging Face model (config.json,
model.safetensors), the tokenizer (tokenizer.model + tokenizer.json), metrics.jsonl and
train_report.json. Checkpoints live next to it in OUTPUT.ckpt/ so `--resume` can continue
an interrupted run; that folder also holds the live metrics log.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lrtk.errors import UsageError, param
from lrtk.io import write_json
from lrtk.io.numbers import (COUNT, EVERY, FRACTION, NON_NEGATIVE, POSITIVE, SEED, Limits,
                              check_options)
from lrtk.io.progress import info, warn
from lrtk.train.checkpoint import CheckpointStore
from lrtk.train.data import MixtureBatches, eval_sets, mixture_records
from lrtk.train.loop import LoopConfig, is_main_process, run_loop
from lrtk.train.metrics import MetricsLog
from lrtk.train.model import ModelShape, from_checkpoint, from_scratch
from lrtk.io.atomic import atomic_dir
from lrtk.train.schedule import decay_start


LIMITS = {"tau": POSITIVE, "tau_end": POSITIVE, "switch": Limits(0, 1, True, True),
          "unimax_epochs": POSITIVE, "eval_examples": COUNT, "eval_every": EVERY,
          "steps": COUNT, "batch_size": COUNT, "lr": POSITIVE, "warmup_steps": EVERY,
          "decay_fraction": FRACTION, "weight_decay": NON_NEGATIVE, "checkpoint_every": EVERY,
          "seed": SEED}


@dataclass
class TrainConfig:
    output: str
    tokenizer: str | None = None        # sentencepiece .model (required from scratch)
    init_model: str | None = None       # continue pre-training this local checkpoint
    model_config: str | None = None     # YAML with ModelShape keys
    shape: dict = field(default_factory=dict)  # ModelShape overrides (flags)
    plan: str | None = None             # plan JSON from `lrtk sample plan --report`
    corpora: list[str] = field(default_factory=list)  # LANG=PATH, planned here
    mix: str = "temperature"            # temperature | cooldown | unimax
    tau: float = 1.0
    tau_end: float = 1.0
    switch: float | None = None         # cooldown switch; None: the WSD decay start
    unimax_epochs: float = 4.0
    eval: list[str] = field(default_factory=list)  # LANG=PATH held-out sets
    eval_examples: int = 200
    eval_every: int = 0
    steps: int = 1000
    batch_size: int = 16
    lr: float = 1e-3
    schedule: str = "wsd"
    warmup_steps: int = 0
    decay_fraction: float = 0.1
    weight_decay: float = 0.1
    checkpoint_every: int = 0
    resume: bool = False
    seed: int = 0
    backend: str = "python"

    @property
    def checkpoint_dir(self) -> Path:
        return Path(f"{str(self.output).rstrip('/')}.ckpt")

    def validate(self) -> None:
        """Refuse numbers out of range before anything is planned, loaded or written."""
        check_options(self, LIMITS)


@dataclass
class TrainResult:
    output: Path
    parameters: int
    initial_eval: dict[str, float]
    final_eval: dict[str, float]
    losses: list[tuple[int, float]]


def _plan(config: TrainConfig):
    from lrtk.sampling import Schedule, load_plan, parse_corpus_options, plan_corpora, scan_corpora

    examples = config.steps * config.batch_size
    if bool(config.plan) == bool(config.corpora):
        raise UsageError(f"give either {param('plan')} or {param('corpus')} LANG=PATH (repeatable)")
    if config.plan:
        plan = load_plan(config.plan)
        if plan.draws < examples:
            raise UsageError(f"the plan draws {plan.draws} examples but {config.steps} steps x "
                             f"{config.batch_size} need {examples}", path=config.plan,
                             hint=f"re-plan with {param('budget', 'sample plan')} {examples}")
    else:
        switch = config.switch
        if switch is None and config.mix == "cooldown":
            if config.schedule != "wsd":
                raise UsageError(f"{param('mix')} cooldown with a non-WSD schedule needs "
                                 f"{param('switch')}")
            switch = decay_start(config.steps, "wsd", config.decay_fraction) / config.steps
        schedule = Schedule(config.mix, tau=config.tau, tau_end=config.tau_end,
                            switch=0.5 if switch is None else switch,
                            unimax_epochs=config.unimax_epochs)
        specs = parse_corpus_options(config.corpora)
        plan = plan_corpora(scan_corpora(specs), schedule=schedule, budget=examples)
    if plan.mode != "upsample":
        raise UsageError(f"lrtk train draws upsampled mixtures; this plan uses mode "
                         f"{plan.mode!r}",
                         hint=f"plan with {param('mode', 'sample plan')} upsample")
    if plan.schedule.kind == "cooldown":
        step = plan.phases[0].draws / config.batch_size
        start = decay_start(config.steps, config.schedule, config.decay_fraction)
        info(f"train: mixture cooldown at step {step:g}, LR decay from step {start}")
        if config.schedule == "wsd" and abs(step - start) >= 1:
            warn("the mixture's cooldown switch does not line up with the LR decay")
    for message in plan.warnings:
        warn(message)
    return plan


def _model_and_tokenizer(config: TrainConfig):
    from lrtk.train.tokenizer import hf_tokenizer

    if config.init_model:
        if config.model_config or config.shape:
            raise UsageError("model shape options apply only when training from scratch",
                             hint=f"drop them, or drop {param('model')}")
        return from_checkpoint(config.init_model, config.tokenizer)
    if not config.tokenizer:
        raise UsageError(f"training from scratch needs {param('tokenizer')} "
                         "PATH.model (sentencepiece)",
                         hint="train one with `lrtk tokenizer train`")
    tokenizer = hf_tokenizer(config.tokenizer)
    shape = ModelShape.load(config.model_config, **config.shape)
    return from_scratch(shape, tokenizer), tokenizer


# TrainConfig fields a resumed run must repeat: they shape the optimisation and the data.
SAME_ON_RESUME = ("steps", "batch_size", "lr", "schedule", "warmup_steps", "decay_fraction",
                  "weight_decay", "seed", "backend")
# ... and, when the mixture is planned here from --corpus, the options that plan it.
SAME_MIXTURE = ("mix", "tau", "tau_end", "switch", "unimax_epochs")
# The model's shape, by the option that sets it from scratch.
SHAPE_OPTIONS = {"layers": "num_hidden_layers", "hidden": "hidden_size",
                 "heads": "num_attention_heads", "kv_heads": "num_key_value_heads",
                 "intermediate": "intermediate_size", "ctx": "max_position_embeddings",
                 "tie_embeddings": "tie_word_embeddings"}


def _run_identity(config: TrainConfig, model, tokenizer, plan) -> dict:
    """What `resume` must find unchanged, keyed by the parameter a user would change: the
    model's shape, the vocabulary, the mixture and the optimisation options."""
    vocab = json.dumps(sorted(tokenizer.get_vocab().items()), ensure_ascii=False)
    identity = {option: getattr(model.config, attr, None)
                for option, attr in SHAPE_OPTIONS.items()}
    identity["tokenizer"] = (f"{len(tokenizer)} tokens, "
                             f"#{hashlib.sha256(vocab.encode('utf-8')).hexdigest()[:12]}")
    fields = SAME_ON_RESUME + (() if config.plan else SAME_MIXTURE)
    identity.update({f: getattr(config, f) for f in fields})
    identity["mixture"] = f"#{plan.fingerprint()}"  # of the corpus or plan parameters
    return identity


def _seq_len(model) -> int:
    return int(getattr(model.config, "max_position_embeddings", 0) or 1024)


def train(config: TrainConfig) -> TrainResult:
    config.validate()
    from transformers import set_seed

    main = is_main_process()
    plan = _plan(config)
    records = mixture_records(plan, seed=config.seed, backend=config.backend)
    set_seed(config.seed)
    model, tokenizer = _model_and_tokenizer(config)
    model.train()
    seq_len = _seq_len(model)
    source = MixtureBatches(records, tokenizer, batch_size=config.batch_size, seq_len=seq_len)
    held_out = eval_sets(config.eval, tokenizer, seq_len=seq_len, batch_size=config.batch_size,
                         limit=config.eval_examples)
    if not held_out:
        warn(f"no {param('eval')} LANG=PATH: no held-out loss will be reported")
    parameters = sum(p.numel() for p in model.parameters())

    store = CheckpointStore(config.checkpoint_dir, _run_identity(config, model, tokenizer, plan))
    if main and not config.resume:  # a resume finds the folder there or fails untouched
        store.root.mkdir(parents=True, exist_ok=True)
    log = MetricsLog(store.root / "metrics.jsonl" if main else None)
    loop = LoopConfig(steps=config.steps, lr=config.lr, schedule=config.schedule,
                      warmup_steps=config.warmup_steps, decay_fraction=config.decay_fraction,
                      weight_decay=config.weight_decay, eval_every=config.eval_every,
                      checkpoint_every=config.checkpoint_every, causal=True)
    result = run_loop(model, source, loop, eval_sets=held_out, log=log, store=store,
                      resume=config.resume, desc="train", summary=(
                          f"train: {model.config.model_type} with {parameters:,} parameters, "
                          f"{config.steps} steps x {config.batch_size} examples, languages "
                          f"{', '.join(plan.languages)}"))
    if main:
        _write_output(config, model, tokenizer, log, {
            "parameters": parameters, "languages": plan.languages,
            "initial_eval_loss": result.initial_eval, "final_eval_loss": result.final_eval,
            "loss_curve": log.series("loss")})
        summary = ", ".join(f"{k} {result.initial_eval[k]:.3f} -> {v:.3f}"
                            for k, v in result.final_eval.items())
        info(f"train: wrote {config.output}" + (f"; held-out loss {summary}" if summary else ""))
    return TrainResult(output=Path(config.output), parameters=parameters,
                       initial_eval=result.initial_eval, final_eval=result.final_eval,
                       losses=log.series("loss"))


def _write_output(config: TrainConfig, model, tokenizer, log: MetricsLog, report: dict) -> None:
    """Model, tokenizer, metrics.jsonl and train_report.json, atomically."""
    with atomic_dir(config.output, "train") as tmp:
        model.save_pretrained(tmp)
        if config.tokenizer:
            from lrtk.train.tokenizer import save_tokenizer

            save_tokenizer(config.tokenizer, tmp)
        else:
            tokenizer.save_pretrained(tmp)
        log.save(tmp / "metrics.jsonl")
        write_json({"config": asdict(config), **report}, tmp / "train_report.json")
