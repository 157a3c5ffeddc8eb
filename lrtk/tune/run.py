"""`tune(TuneConfig) -> TuneResult`: train one adapter (or the whole model) on a local
checkpoint: a causal LM, a masked LM, an encoder–decoder (T5/mT5/mBART) or an encoder
with a task head (--task classify|ner).

This is the library entry point behind `lrtk tune` and the TaCo curriculum
(`lrtk.tune.curriculum`), which chains stages by passing the previous stage's
`TuneResult.adapter_dir` as the next stage's `init_adapter`.

Output directory (written atomically):
    adapter/          the trained adapter: adapter_config.json + safetensors weights, no LM
                      head; with --task also the task head and its labels (lrtk.tune.tasks)
    merged/           with merge=True: a full model directory (see `write_merged`); with
                      method "full" the fine-tuned model itself (and no adapter/)
    metrics.jsonl     one record per step ({"step", "loss", "lr"}) and per evaluation
                      ({"step", "eval_loss": {"heldout": ...}})
    report.json       method, parameter counts, initial/final held-out loss, loss curve
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from lrtk.errors import UsageError, param
from lrtk.io import write_json
from lrtk.io.numbers import COUNT, EVERY, FRACTION, POSITIVE, SEED, Limits, check_options
from lrtk.io.progress import info
from lrtk.train.loop import LoopConfig, is_main_process, run_loop
from lrtk.train.metrics import MetricsLog
from lrtk.io.atomic import atomic_dir
from lrtk.tune.examples import (Collator, EpochBatches, build_examples, fixed_batches,
                                held_out)
from lrtk.tune.methods import MethodSettings, adapter_parameter_count
from lrtk.tune.model import load_adapter, load_base, load_plain, model_kind, save_adapter, \
    train_only, write_merged, write_plain
from lrtk.tune.seq2seq import set_languages

ADAPTER = "lrtk_adapter"      # the adapter being trained
LANGUAGE = "lrtk_language"    # a frozen language adapter stacked under it (MAD-X)
HELDOUT = "heldout"
FULL = "full"                 # full fine-tuning: every weight trains, no adapter


LIMITS = {"steps": COUNT, "batch_size": COUNT, "lr": POSITIVE, "warmup_steps": EVERY,
          "decay_fraction": FRACTION, "eval_every": EVERY, "max_length": Limits(2, integer=True),
          "seed": SEED}


@dataclass
class TuneConfig:
    """Everything one tuning run needs; field names match the `lrtk tune` options."""

    model: str                          # local Hugging Face checkpoint directory
    train: str                          # JSONL (text or pair records) or a plain text file
    output: str                         # output directory (replaced atomically)
    method: str = "seq_bn"              # seq_bn | seq_bn_inv | lora | full
    objective: str | None = None        # clm | mlm | translation | seq2seq; None: by model
    task: str | None = None             # classify | ner: a task head on an encoder
    eval: str | tuple[str, ...] | None = None  # held-out file(s), one set; None: ~5% of train
    reduction_factor: int = 16
    lora_r: int = 8
    lora_alpha: int = 8
    lora_targets: tuple[str, ...] = ("q", "v")
    lora_dropout: float = 0.0
    steps: int = 200
    batch_size: int = 8
    lr: float = 1e-4
    schedule: str = "wsd"
    warmup_steps: int = 0
    decay_fraction: float = 0.1
    eval_every: int = 0
    max_length: int = 256
    seed: int = 0
    text_field: str = "text"
    src_lang: str | None = None         # language codes: named in the prompt (causal), mBART's
    tgt_lang: str | None = None
    src_lang_name: str | None = None    # the prompt's names for codes lrtk does not know
    tgt_lang_name: str | None = None
    init_adapter: str | None = None     # continue training this saved adapter
    language_adapter: str | None = None  # frozen adapter stacked under the new one
    merge: bool = False                 # also write merged/ (see write_merged)

    def validate(self) -> None:
        """Refuse numbers out of range before the model is loaded (the method's own numbers
        are MethodSettings.validate's)."""
        check_options(self, LIMITS)
        if self.method != FULL:
            self.method_settings().validate()
        elif self.init_adapter or self.language_adapter:
            raise UsageError(f"{param('method')} full trains the whole model, without adapters",
                             hint=f"drop {param('init_adapter')} / {param('language_adapter')}, "
                                  "or pick an adapter method")

    def method_settings(self) -> MethodSettings:
        return MethodSettings(self.method, self.reduction_factor, self.lora_r,
                              self.lora_alpha, tuple(self.lora_targets), self.lora_dropout)


@dataclass
class TuneResult:
    output: Path
    adapter_dir: Path | None           # None after full fine-tuning
    merged_dir: Path | None
    trainable_parameters: int
    adapter_parameters: int
    total_parameters: int
    initial_eval_loss: float
    final_eval_loss: float
    losses: list[tuple[int, float]] = field(default_factory=list)
    model: object = None  # the trained adapters-wrapped model, in eval mode


DEFAULT_OBJECTIVE = {"causal": "clm", "masked": "mlm", "seq2seq": "seq2seq"}
# The objectives each kind of model can train with.
FITS = {"causal": ("clm", "translation"), "masked": ("mlm",), "seq2seq": ("seq2seq",)}


def _objective(config: TuneConfig) -> tuple[str, str]:
    """(objective, model kind); a task head replaces the objective."""
    family, kind = model_kind(config.model)
    if config.task:
        from lrtk.tune.tasks import check_task

        check_task(config.task, config.model)
        if config.objective:
            raise UsageError(f"{param('task')} replaces {param('objective')}",
                             hint="give one of them")
        return config.task, kind
    objective = config.objective or DEFAULT_OBJECTIVE[kind]
    if objective not in FITS[kind]:
        raise UsageError(f"objective {objective!r} does not fit a {family} model",
                         hint="masked LM for bert/xlm-roberta; clm or translation for "
                              "causal models; seq2seq for t5/mt5/mbart")
    return objective, kind


def _load(config: TuneConfig, settings: MethodSettings, labels: list[str] | None):
    """The model with the trainable parts marked, its tokenizer, and the task head's tensor
    names (empty without --task)."""
    head: list[str] = []
    if config.task:
        from lrtk.tune.tasks import load_task_model

        model, tokenizer, head = load_task_model(config.model, config.task, labels)
    elif config.method == FULL:
        from lrtk.io.hf_model import load_hf_tokenizer

        model, tokenizer = load_plain(config.model), load_hf_tokenizer(config.model)
    else:
        model, tokenizer = load_base(config.model)  # says clearly if adapters is missing
    set_languages(tokenizer, config.src_lang, config.tgt_lang)
    if config.method == FULL:
        for p in model.parameters():
            p.requires_grad = True
        return model, tokenizer, head
    from adapters import Stack

    if config.language_adapter:
        load_adapter(model, config.language_adapter, LANGUAGE, param("language_adapter"))
    if config.init_adapter:
        load_adapter(model, config.init_adapter, ADAPTER, param("init_adapter"))
        # Said whether or not the method was given: the saved adapter's settings are the ones
        # trained, and a method given now does not change them.
        info(f"continuing adapter {config.init_adapter} with the method and settings it was "
             "saved with")
    else:
        model.add_adapter(ADAPTER, config=settings.adapter_config())
    setup = Stack(LANGUAGE, ADAPTER) if config.language_adapter else ADAPTER
    train_only(model, setup, ADAPTER, also=head)
    return model, tokenizer, head


def _examples(config: TuneConfig, objective: str, tokenizer, labels: list[str] | None,
              train_records: list | None):
    """(train, held-out) examples."""
    if config.task:
        from lrtk.tune.tasks import read_task_records, task_examples

        def examples(path, records=None):
            return task_examples(records or read_task_records(path, config.task), tokenizer,
                                 config.task, labels, config.max_length)
        train = examples(config.train, train_records)
    else:
        names = _prompt_names(config) if objective == "translation" else (None, None)

        def examples(path):
            return build_examples(path, tokenizer, objective=objective,
                                  max_length=config.max_length, text_field=config.text_field,
                                  src_lang=names[0], tgt_lang=names[1])
        train = examples(config.train)
    if config.eval:
        paths = (config.eval,) if isinstance(config.eval, str) else config.eval
        return train, [example for path in paths for example in examples(path)]
    return held_out(train)


def _prompt_names(config: TuneConfig) -> tuple[str | None, str | None]:
    """The language names heading the translation prompt ("English: ..."), from the codes;
    None leaves the records' own or the default (src, tgt)."""
    from lrtk.taco import language_name

    return tuple(language_name(code, name) if code or name else None
                 for code, name in ((config.src_lang, config.src_lang_name),
                                    (config.tgt_lang, config.tgt_lang_name)))


def tune(config: TuneConfig) -> TuneResult:
    """Train an adapter (or, with method full, the model) as `config` says and write the
    output directory."""
    config.validate()
    from transformers import set_seed

    settings = config.method_settings()
    if config.merge and config.language_adapter:
        raise UsageError(f"{param('merge')} with {param('language_adapter')} is not supported",
                         hint="merge a single adapter")
    if config.task and (config.merge or config.method == FULL):
        raise UsageError(f"{param('task')} trains an adapter and a head; {param('merge')} and "
                         f"{param('method')} full are for language models",
                         hint=f"drop {param('merge')} / pick an adapter method")
    objective, kind = _objective(config)
    labels = records = None
    if config.task:
        from lrtk.tune.tasks import labels_of, read_task_records

        records = read_task_records(config.train, config.task)
        labels = labels_of(records, config.task)
    set_seed(config.seed)
    model, tokenizer, head = _load(config, settings, labels)
    train_examples, eval_examples = _examples(config, objective, tokenizer, labels, records)
    collate = Collator(tokenizer, objective=objective, seed=config.seed,
                       decoder_inputs=getattr(model, "prepare_decoder_input_ids_from_labels",
                                              None))
    source = EpochBatches(train_examples, config.batch_size, collate, config.seed)
    loop = LoopConfig(steps=config.steps, lr=config.lr, schedule=config.schedule,
                      warmup_steps=config.warmup_steps, decay_fraction=config.decay_fraction,
                      eval_every=config.eval_every, causal=objective in ("clm", "translation"))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    adapter_params = adapter_parameter_count(model, ADAPTER)
    what = FULL + " fine-tuning" if config.method == FULL else \
        settings.method if not config.init_adapter else "continued adapter"
    log = MetricsLog(None)
    result = run_loop(model, source, loop, eval_sets={
        HELDOUT: fixed_batches(eval_examples, config.batch_size, collate)},
        log=log, desc="tune", summary=(
            f"tune: {what} on {model_kind(config.model)[0]} ({objective}), {trainable:,} "
            f"trainable of {total:,} parameters, {len(train_examples)} train / "
            f"{len(eval_examples)} held-out examples"))
    model.eval()
    output = Path(config.output)
    merged = output / "merged" if config.merge or config.method == FULL else None
    losses = log.series("loss")
    if is_main_process():
        report = {"objective": objective, "trainable_parameters": trainable,
                  "adapter_parameters": adapter_params, "total_parameters": total,
                  "initial_eval_loss": result.initial_eval[HELDOUT],
                  "final_eval_loss": result.final_eval[HELDOUT], "loss_curve": losses}
        if labels:
            report["labels"] = labels
        _write_output(config, model, tokenizer, output, log, report, head, labels)
    info(f"tune: held-out loss {result.initial_eval[HELDOUT]:.4f} -> "
         f"{result.final_eval[HELDOUT]:.4f} after {config.steps} steps; wrote {output}")
    return TuneResult(output=output,
                      adapter_dir=output / "adapter" if config.method != FULL else None,
                      merged_dir=merged, trainable_parameters=trainable,
                      adapter_parameters=adapter_params, total_parameters=total,
                      initial_eval_loss=result.initial_eval[HELDOUT],
                      final_eval_loss=result.final_eval[HELDOUT], losses=losses, model=model)


def _write_output(config: TuneConfig, model, tokenizer, output: Path, log: MetricsLog,
                  report: dict, head: list[str], labels: list[str] | None) -> None:
    """adapter/ (with the task head), merged/ (with --merge or --method full), metrics.jsonl
    and report.json, atomically."""
    with atomic_dir(output, "tune") as tmp:
        if config.method == FULL:
            write_plain(model, tokenizer, config.model, tmp / "merged", FULL)
        else:
            save_adapter(model, ADAPTER, tmp / "adapter")
        if head:
            from lrtk.tune.tasks import save_head

            save_head(model, head, config.task, labels, tmp / "adapter",
                      config.language_adapter)
        if config.merge and config.method != FULL:
            foldable = getattr(model.adapters_config.get(ADAPTER), "architecture", None) == "lora"
            write_merged(model, tokenizer, config.model, ADAPTER, tmp / "merged",
                         foldable=foldable)
            if not foldable:
                info(f"{param('merge')}: bottleneck adapters cannot be folded into the weights; "
                     "merged/ holds the adapters-wrapped model (only LoRA merges give a plain "
                     "model for lrtk export)")
        log.save(tmp / "metrics.jsonl")
        config_dict = {k: (list(v) if isinstance(v, tuple) else v)
                       for k, v in asdict(config).items()}
        write_json({"config": config_dict, "merged": config.merge, **report},
                   tmp / "report.json")
