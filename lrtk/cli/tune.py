"""`lrtk tune`: train an adapter (seq_bn, seq_bn_inv, LoRA) or the whole model on a local
checkpoint: causal LM, masked LM, T5/mT5/mBART, or an encoder with a task head."""

from __future__ import annotations

from typing import List, Optional

import typer

from lrtk.cli import options as opt
from lrtk.cli._outputs import writes

ORDER = 61

EXAMPLE = """
\b
Example (Bengali language adapter, then a LoRA translation adapter merged for export):
  lrtk tune --model out/bn-lm --train bn.jsonl --method seq_bn_inv -o out/bn-lang
  lrtk tune --model out/bn-lm --train en-bn.pairs.jsonl --objective translation \\
      --src-lang en --tgt-lang bn --method lora --lora-targets q,v --merge -o out/mt

\b
Seq2seq (T5/mT5/mBART; {"text","summary"} or {"src","tgt"} records, loss on the target):
  lrtk tune --model models/mt5-small-ur --train ur.sum.jsonl --method lora -o out/ur-sum
  lrtk tune --model models/mbart-cc25 --train en-ur.jsonl --src-lang en --tgt-lang ur \\
      --method full -o out/mt
\b
Task adapters on BERT/XLM-R, stacked on a masked-LM language adapter:
  lrtk tune --model models/xlmr --train ur.txt --method seq_bn_inv -o out/ur-lang
  lrtk tune --model models/xlmr --train ur.ner.jsonl --task ner \\
      --language-adapter out/ur-lang/adapter -o out/ur-ner

Writes OUT/adapter (safetensors + config; with --task also the head and its labels),
OUT/metrics.jsonl, OUT/report.json and, with --merge, OUT/merged: LoRA folded into a plain
model for `lrtk export`; bottleneck adapters cannot be folded, so merged/ then holds the
adapters-wrapped model (see lrtk_merge.json). --method full writes OUT/merged only.
"""


def _code_and_name(value: Optional[str], name: Optional[str], option: str,
                   name_option: str) -> tuple[Optional[str], Optional[str]]:
    """(code, display name) of one side. Until this release the translation prompt's name
    was given as the language itself (--src-lang English); a capitalised value is still
    taken as that name, with a warning (codes are lower-case: en, ur, ur_PK)."""
    from lrtk.text.profile import load_profile, supported_languages

    if not value or not value[0].isupper():
        return value, name
    code = next((c for c in supported_languages()
                 if c != "generic" and load_profile(c).name == value), None)
    use = f"{option} {code}" if code else f"a code, with {name_option} {value}"
    typer.echo(f"lrtk: warning: {option} {value} (a language name) is deprecated, use {use}",
               err=True)
    return code, name or value


def register(app: typer.Typer) -> None:
    @app.command("tune", help="Parameter-efficient tuning with adapters (seq_bn, seq_bn_inv, "
                              "LoRA) or full fine-tuning, on causal LMs, masked LMs, "
                              "T5/mT5/mBART, or BERT/XLM-R task heads.\n\n" + EXAMPLE,
                 cls=opt.deprecated({"--max-length": "--ctx", "--schedule": "--lr-schedule"}))
    @writes(folder="output", command="tune",
            inputs=("model", "train", "eval_path", "init_adapter", "language_adapter",
                    "curriculum"))
    def tune_command(
        context: typer.Context,
        model: str = opt.model(..., "Local Hugging Face checkpoint directory (llama, mistral, "
                                    "qwen2, gpt2, bert, xlm-roberta, t5, mt5, mbart, bart)."),
        train: Optional[str] = typer.Option(None, "--train", help="Training data: JSONL with "
                                            "a text field, pair JSONL ({src,tgt} or "
                                            "{prompt,target}) for translation, {text,summary} "
                                            "for seq2seq, {text,label} / {tokens,tags} for "
                                            "--task, or a plain text file."),
        output: str = opt.output(..., "Output directory (replaced only if `lrtk tune` made it)."),
        overwrite: bool = opt.overwrite(),
        method: str = typer.Option("seq_bn", help="seq_bn | seq_bn_inv | lora | full (every "
                                  "weight, no adapter)."),
        objective: Optional[str] = typer.Option(None, help="clm | mlm | translation | seq2seq "
                                                "[default: by model type]."),
        task: Optional[str] = typer.Option(None, "--task", help="classify ({text,label}) or "
                                           "ner ({tokens,tags}, BIO): a task head and adapter "
                                           "on a BERT/XLM-R model; labels from --train."),
        eval_path: Optional[List[str]] = typer.Option(None, "--eval", help="Held-out data, "
                                                      "repeated: the files are scored as one "
                                                      "set [default: about 5% of --train, "
                                                      "chosen by content hash]."),
        reduction_factor: int = typer.Option(16, help="Bottleneck reduction factor."),
        lora_r: int = typer.Option(8, help="LoRA rank."),
        lora_alpha: int = typer.Option(8, help="LoRA alpha."),
        lora_targets: str = typer.Option("q,v", help="LoRA matrices, comma-separated: "
                                         "q,k,v,intermediate,output."),
        lora_dropout: float = typer.Option(0.0, help="LoRA dropout."),
        steps: int = typer.Option(200, help="Optimizer steps."),
        batch_size: int = typer.Option(8, help="Examples per step."),
        lr: float = typer.Option(1e-4, help="Peak learning rate."),
        lr_schedule: str = typer.Option("wsd", help="Learning-rate schedule: wsd | cosine | "
                                        "constant."),
        warmup_steps: int = typer.Option(0, help="Warmup steps."),
        decay_fraction: float = typer.Option(0.1, help="WSD: fraction of steps that decay."),
        eval_every: int = typer.Option(0, help="Evaluate every N steps [default: start and "
                                       "end only]."),
        max_length: int = opt.ctx(256, "Truncate examples to this many tokens.", min=2),
        seed: int = opt.seed("Random seed [with --curriculum and no --seed: the file's seed]."),
        text_field: str = opt.text_field(),
        src_lang: Optional[str] = opt.src_lang(None, "Source language code: its name heads "
                                                     "the translation prompt; an mBART code "
                                                     "(ur, ur_PK) [default: src / the "
                                                     "tokenizer's]."),
        tgt_lang: Optional[str] = opt.tgt_lang(None, "Target language code, as --src-lang "
                                                     "[default: tgt / the source's code]."),
        src_lang_name: Optional[str] = opt.src_lang_name(),
        lang_name: Optional[str] = opt.lang_name(),
        init_adapter: Optional[str] = typer.Option(None, help="Continue training this saved "
                                                   "adapter directory."),
        language_adapter: Optional[str] = typer.Option(None, help="Saved language adapter to "
                                                       "stack (frozen) under the new one, "
                                                       "MAD-X style."),
        merge: bool = typer.Option(False, "--merge", help="Also write OUT/merged, a full "
                                   "model directory."),
        curriculum: Optional[str] = typer.Option(None, "--curriculum", help="YAML of ordered "
                                                 "stages (TaCo), each continuing the previous "
                                                 "stage's adapter; replaces --train and the "
                                                 "per-run options."),
    ) -> None:
        from lrtk.errors import UsageError
        from lrtk.tune import TuneConfig, tune

        if (curriculum is None) == (train is None):
            raise UsageError("give either --train FILE or --curriculum FILE")
        if curriculum is not None:
            from lrtk.tune.curriculum import run_curriculum

            # The file's seed holds unless --seed is given.
            given = context.get_parameter_source("seed").name != "DEFAULT"
            run_curriculum(curriculum, model=model, output=output, seed=seed if given else None,
                           init_adapter=init_adapter, merge=merge)
            return
        src_code, src_name = _code_and_name(src_lang, src_lang_name, "--src-lang",
                                            "--src-lang-name")
        tgt_code, tgt_name = _code_and_name(tgt_lang, lang_name, "--tgt-lang", "--lang-name")
        tune(TuneConfig(
            model=model, train=train, output=output, method=method, objective=objective, task=task,
            eval=tuple(eval_path or ()), reduction_factor=reduction_factor, lora_r=lora_r,
            lora_alpha=lora_alpha, lora_dropout=lora_dropout,
            lora_targets=tuple(t.strip() for t in lora_targets.split(",") if t.strip()),
            steps=steps, batch_size=batch_size, lr=lr, schedule=lr_schedule,
            warmup_steps=warmup_steps, decay_fraction=decay_fraction, eval_every=eval_every,
            max_length=max_length, seed=seed, text_field=text_field, src_lang=src_code,
            tgt_lang=tgt_code, src_lang_name=src_name, tgt_lang_name=tgt_name,
            init_adapter=init_adapter, language_adapter=language_adapter,
            merge=merge))
