"""Language-model training: from scratch (Llama architecture) or continued pre-training.

    from lrtk.train import TrainConfig, train
    result = train(TrainConfig(corpora=["bn=bn.txt", "en=en.txt"], tokenizer="spm.model",
                               output="out/lm", steps=200))

The optimisation loop, checkpoints, schedules and metrics here are shared with
`lrtk.tune`. Importing this package does not import torch (nor, until a name is used, the
modules that define it).
"""

from lrtk import lazy_exports

__all__ = ["CheckpointStore", "LoopConfig", "ModelShape", "TrainConfig", "TrainResult",
           "decay_start", "hf_tokenizer", "run_loop", "save_tokenizer", "train"]

__getattr__ = lazy_exports(__name__, {
    "TrainConfig": "lrtk.train.run", "TrainResult": "lrtk.train.run", "train": "lrtk.train.run",
    "CheckpointStore": "lrtk.train.checkpoint", "LoopConfig": "lrtk.train.loop",
    "run_loop": "lrtk.train.loop", "ModelShape": "lrtk.train.model",
    "decay_start": "lrtk.train.schedule", "hf_tokenizer": "lrtk.train.tokenizer",
    "save_tokenizer": "lrtk.train.tokenizer",
})
