"""Language-model training: from scratch (Llama architecture) or continued pre-training.

The optimisation loop, checkpoints, schedules and metrics here are shared with
`lrtk.tune`. Importing this package does not import torch.
"""
