"""Calibration statistics for GPTQ: H = X^T X of every linear layer's inputs, collected with
forward hooks while the float HF model reads a few thousand tokens of corpus text."""

from __future__ import annotations

from pathlib import Path

import numpy as np



def hessians(model_dir: str | Path, text_path: str, max_tokens: int = 4096,
             seq_len: int = 256) -> dict[str, np.ndarray]:
    import torch
    from transformers import AutoModelForCausalLM

    from lrtk.runtime.tokenizer import Tokenizer, encode_file

    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    tok = Tokenizer.from_dir(model_dir, model.config.bos_token_id
                             if model.config.bos_token_id is not None else -1)
    ids = encode_file(tok, text_path, max_tokens)

    sums: dict[str, torch.Tensor] = {}
    hooks = []
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear):
            def hook(mod, inputs, output, key=name + ".weight"):
                x = inputs[0].reshape(-1, inputs[0].shape[-1]).double()
                sums[key] = sums.get(key, 0) + x.T @ x
            hooks.append(module.register_forward_hook(hook))
    with torch.no_grad():
        for start in range(0, len(ids), seq_len):
            model(torch.tensor([ids[start:start + seq_len]]))
    for h in hooks:
        h.remove()
    return {k: v.numpy() for k, v in sums.items()}
