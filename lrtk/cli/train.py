"""`lrtk train`: pre-train a Llama-architecture LM (or continue a checkpoint) on a mixture."""

from __future__ import annotations

from typing import List, Optional

import typer

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes

ORDER = 60

EXAMPLE = """
\b
Example (a tiny Bengali/English LM; the mixture's cooldown starts with the LR decay):
  lrtk tokenizer train ...  (or any sentencepiece model)
  lrtk train --tokenizer bn-en.model --corpus bn=bn.txt --corpus en=en.txt \\
      --mix cooldown --tau 1 --tau-end 5 --layers 2 --hidden 64 --heads 4 --ctx 64 \\
      --steps 200 --batch-size 16 --eval bn=bn.dev.txt --eval en=en.dev.txt -o out/lm
  lrtk train ... -o out/lm --checkpoint-every 50 --resume   (continue after an interruption)

Writes a Hugging Face model directory (AutoModelForCausalLM / AutoTokenizer load it
offline) with tokenizer.model, metrics.jsonl and train_report.json; checkpoints go to
OUT.ckpt/. Several GPUs: `accelerate launch -m lrtk.cli.main train ...` or torchrun.
"""


def register(app: typer.Typer) -> None:
    @app.command("train", help="Train a causal LM from scratch or continue pre-training, on "
                               "an `lrtk sample` mixture.\n\n" + EXAMPLE,
                 cls=opt.deprecated({"--init-model": "--model", "--seq-len": "--ctx",
                                     "--schedule": "--lr-schedule"}))
    @writes(folder="output", command="train",
            inputs=("tokenizer", "model", "model_config", "plan", "corpus", "eval_path"))
    def train_command(
        output: str = opt.output(..., "Output model directory (replaced only if `lrtk train` "
                                      "made it)."),
        overwrite: bool = opt.overwrite(),
        tokenizer: Optional[str] = opt.tokenizer(help="Sentencepiece .model; sets the "
                                                 "vocabulary (required from scratch)."),
        model: Optional[str] = opt.model(None, "Continue pre-training this local Hugging Face "
                                               "checkpoint."),
        model_config: Optional[str] = typer.Option(None, "--model-config", help="YAML with "
                                                   "layers, hidden, heads, kv_heads, "
                                                   "intermediate, seq_len, tie_embeddings."),
        layers: Optional[int] = typer.Option(None, help="Transformer layers [4]."),
        hidden: Optional[int] = typer.Option(None, help="Hidden size [256]."),
        heads: Optional[int] = typer.Option(None, help="Attention heads [4]."),
        kv_heads: Optional[int] = typer.Option(None, help="Key/value heads [= heads]."),
        intermediate: Optional[int] = typer.Option(None, help="FFN size [8/3 x hidden]."),
        ctx: Optional[int] = opt.ctx(None, "Context length: the longest sequence the model "
                                           "takes and trains on [256]."),
        plan: Optional[str] = typer.Option(None, help="Mixture plan from `lrtk sample plan "
                                           "--report`."),
        corpus: Optional[List[str]] = typer.Option(None, "--corpus", help="LANG=PATH, repeated: "
                                                   "plan the mixture here (a language given "
                                                   "again gets its files concatenated)."),
        mix: str = opt.mix(),
        tau: float = typer.Option(1.0, help="Sampling temperature (cooldown: before the "
                                  "switch)."),
        tau_end: float = typer.Option(1.0, help="Cooldown temperature after the switch."),
        switch: Optional[float] = typer.Option(None, help="Cooldown switch as a fraction of "
                                               "the run [default: the WSD decay start]."),
        unimax_epochs: float = typer.Option(4.0, help="UniMax cap on epochs per language."),
        eval_path: Optional[List[str]] = typer.Option(None, "--eval", help="LANG=PATH held-out "
                                                      "set, repeated: eval loss per language "
                                                      "(files of one language concatenated)."),
        eval_examples: int = typer.Option(200, help="Examples per evaluation set."),
        eval_every: int = typer.Option(0, help="Evaluate every N steps [start and end]."),
        steps: int = typer.Option(1000, help="Optimizer steps."),
        batch_size: int = typer.Option(16, help="Examples per step (all processes)."),
        lr: float = typer.Option(1e-3, help="Peak learning rate."),
        lr_schedule: str = typer.Option("wsd", help="Learning-rate schedule: wsd "
                                        "(warmup-stable-decay) | cosine."),
        warmup_steps: int = typer.Option(0, help="Warmup steps."),
        decay_fraction: float = typer.Option(0.1, help="WSD: fraction of steps that decay."),
        weight_decay: float = typer.Option(0.1, help="AdamW weight decay."),
        checkpoint_every: int = typer.Option(0, help="Checkpoint every N steps to OUT.ckpt/."),
        resume: bool = typer.Option(False, "--resume", help="Continue from the newest "
                                    "checkpoint in OUT.ckpt/."),
        seed: int = opt.seed("Random seed (model init, mixture draws)."),
        backend: str = typer.Option("python", help="python | fairseq2 (needs the "
                                    "environment of `make setup-fairseq2`)."),
    ) -> None:
        from lrtk.train.run import TrainConfig, train

        shape = {k: v for k, v in dict(layers=layers, hidden=hidden, heads=heads,
                                       kv_heads=kv_heads, intermediate=intermediate,
                                       seq_len=ctx).items() if v is not None}
        train(TrainConfig(
            output=output, tokenizer=tokenizer, init_model=model,
            model_config=model_config, shape=shape, plan=plan, corpora=list(corpus or []),
            mix=mix, tau=tau, tau_end=tau_end, switch=switch, unimax_epochs=unimax_epochs,
            eval=list(eval_path or []), eval_examples=eval_examples, eval_every=eval_every,
            steps=steps, batch_size=batch_size, lr=lr, schedule=lr_schedule,
            warmup_steps=warmup_steps, decay_fraction=decay_fraction,
            weight_decay=weight_decay, checkpoint_every=checkpoint_every, resume=resume,
            seed=seed, backend=backend))
