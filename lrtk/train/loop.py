"""The optimisation loop shared by `lrtk train` (all weights) and `lrtk tune` (adapters only).

It trains whatever parameters have requires_grad, on batches from a *batch source*: an
object with `next_batch()` returning a dict of tensors (including `labels`) and
`state_dict()` / `load_state_dict()` so a checkpoint can put the data stream back exactly
where it was. Several processes (torchrun / accelerate launch) each take their share of
every global batch, so the loss curve does not depend on the number of processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from lrtk.errors import UsageError, param
from lrtk.io.progress import info, progress
from lrtk.train.checkpoint import CheckpointStore
from lrtk.train.loss import loss_sum_and_count, mean_loss, predicted_count
from lrtk.train.metrics import MetricsLog
from lrtk.train.schedule import build_scheduler


class BatchSource(Protocol):
    def next_batch(self) -> dict: ...

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


@dataclass
class LoopConfig:
    steps: int
    lr: float
    schedule: str = "wsd"
    warmup_steps: int = 0
    decay_fraction: float = 0.1
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    eval_every: int = 0        # 0: evaluate only before the first and after the last step
    checkpoint_every: int = 0  # 0: no intermediate checkpoints
    causal: bool = True        # causal LMs predict token t+1; masked LMs predict in place


@dataclass
class LoopResult:
    """Held-out loss per evaluation set before the first and after the last step (the
    per-step losses are in the MetricsLog)."""

    initial_eval: dict[str, float] = field(default_factory=dict)
    final_eval: dict[str, float] = field(default_factory=dict)


def _accelerator_class():
    try:
        from accelerate import Accelerator
    except ImportError:
        raise UsageError("training needs the 'accelerate' package",
                         hint="pip install 'lrtk[train]'") from None
    return Accelerator


def _accelerator():
    import torch

    return _accelerator_class()(cpu=not torch.cuda.is_available())


def is_main_process() -> bool:
    """True in the process that writes outputs (rank 0 under torchrun / accelerate launch)."""
    import torch

    _accelerator_class()
    from accelerate import PartialState

    # cpu=True matters: only then does accelerate set up CPU processes (gloo) under torchrun.
    # The state is shared, so the Accelerator created later sees the same processes.
    return PartialState(cpu=not torch.cuda.is_available()).is_main_process


def run_loop(model, source: BatchSource, config: LoopConfig, *, eval_sets: dict[str, list],
             log: MetricsLog, store: CheckpointStore | None = None, resume: bool = False,
             desc: str = "train", summary: str | None = None) -> LoopResult:
    """Train `model` in place for `config.steps` optimizer steps; returns losses and evals.
    `summary` (what is trained) is printed once a resume has succeeded, so a refused resume
    prints its error alone."""
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise UsageError("the model has no trainable parameters")
    optimizer = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    scheduler = build_scheduler(optimizer, config.schedule, steps=config.steps,
                                warmup_steps=config.warmup_steps,
                                decay_fraction=config.decay_fraction)
    accelerator = _accelerator()
    start = 0
    if not resume and store is not None and accelerator.is_main_process and store.clear():
        info(f"{desc}: started afresh; removed the old checkpoints in {store.root}")
    if resume:
        if store is None:
            raise UsageError(f"{param('resume')}: this run keeps no checkpoints")
        found, progress_state = store.resume(model=model, optimizer=optimizer,
                                             scheduler=scheduler, source=source)
        log.restore(progress_state["records"])
        start = progress_state["step"]
        info(f"resumed from {found} at step {start}")
    else:
        log.restore([])

    # The scheduler is stepped by hand: accelerate would step it once per process.
    wrapped, optimizer = accelerator.prepare(model, optimizer)
    rank, world = accelerator.process_index, accelerator.num_processes
    if accelerator.is_main_process:
        if summary:
            info(summary)
        info(f"{desc}: on {accelerator.device}" + (f", {world} processes" if world > 1 else ""))

    def evaluate(step: int) -> dict[str, float]:
        losses = {name: mean_loss(model, [_to(b, accelerator.device) for b in batches],
                                  causal=config.causal)
                  for name, batches in eval_sets.items()}
        if losses:
            log.write({"step": step, "eval_loss": losses})
        return losses

    result = LoopResult()
    result.initial_eval = evaluate(0) if start == 0 else _first_eval(log.records)
    wrapped.train()
    for step in progress(range(start + 1, config.steps + 1), desc=desc,
                         total=config.steps - start, unit="step"):
        global_batch = source.next_batch()
        if global_batch["input_ids"].size(0) % world:
            raise UsageError(f"{param('batch_size')} must be a multiple of the {world} processes")
        count = max(predicted_count(global_batch["labels"], causal=config.causal), 1)
        batch = {k: v[rank::world] for k, v in global_batch.items()}
        total, _ = loss_sum_and_count(wrapped, _to(batch, accelerator.device),
                                      causal=config.causal)
        # Token mean over the *global* batch: DDP averages gradients over processes, so
        # each contributes its share x world; the curve is the same for any process count.
        loss = total * world / count
        accelerator.backward(loss)
        if config.max_grad_norm > 0:
            accelerator.clip_grad_norm_(params, config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        global_total = accelerator.reduce(total.detach(), "sum") if world > 1 else total
        log.write({"step": step, "loss": round(global_total.item() / count, 6),
                   "lr": scheduler.get_last_lr()[0]})
        if config.eval_every and step % config.eval_every == 0 and step != config.steps:
            evaluate(step)
        if store is not None and config.checkpoint_every and step % config.checkpoint_every == 0 \
                and accelerator.is_main_process:
            store.save(step, model=accelerator.unwrap_model(wrapped), optimizer=optimizer,
                       scheduler=scheduler, data_state=source.state_dict(),
                       records=log.records)
    result.final_eval = evaluate(config.steps)
    return result


def _first_eval(records: list[dict]) -> dict[str, float]:
    return next((r["eval_loss"] for r in records if "eval_loss" in r), {})


def _to(batch: dict, device) -> dict:
    return {k: v.to(device) for k, v in batch.items()}
