"""Parameter-efficient tuning with the adapters library: seq_bn, seq_bn_inv and LoRA.

Library API (used by `lrtk tune` and the TaCo curriculum):
    from lrtk.tune import TuneConfig, tune, load_tuned, load_merged
    result = tune(TuneConfig(model="ckpt", train="bn.jsonl", output="out", method="lora"))
    model, tokenizer = load_tuned("ckpt", [result.adapter_dir])

Importing this package does not import torch; the functions do.
"""

from lrtk.tune.run import TuneConfig, TuneResult, tune
from lrtk.tune.model import load_merged, load_tuned

__all__ = ["TuneConfig", "TuneResult", "load_merged", "load_tuned", "tune"]
