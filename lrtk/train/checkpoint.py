"""Checkpoints for exact resume: trainable weights, optimizer, scheduler, data and RNG state.

Each checkpoint is a directory `step-NNNNNNNN/` written under a temporary name and renamed
when complete, so an interrupted save never leaves a checkpoint that looks usable.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

from lrtk.errors import UsageError

PREFIX = "step-"
KEEP = 2  # older checkpoints are deleted; two survive a crash during the newest save


def trainable_state(model) -> dict:
    return {n: p.detach().cpu().contiguous() for n, p in model.named_parameters()
            if p.requires_grad}


def _rng_state() -> dict:
    import numpy as np
    import torch

    state = {"python": random.getstate(), "numpy": np.random.get_state(),
             "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    import numpy as np
    import torch

    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


class CheckpointStore:
    """The checkpoint directories of one run, newest last."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def all(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir()
                      if p.is_dir() and p.name.startswith(PREFIX) and p.name[len(PREFIX):].isdigit())

    def latest(self) -> Path | None:
        found = self.all()
        return found[-1] if found else None

    def clear(self) -> int:
        """Delete every checkpoint (a fresh run must never resume from an older run's)."""
        found = self.all()
        for old in found:
            shutil.rmtree(old)
        return len(found)

    def save(self, step: int, *, model, optimizer, scheduler, data_state: dict,
             records: list[dict]) -> Path:
        import torch
        from safetensors.torch import save_file

        self.root.mkdir(parents=True, exist_ok=True)
        final = self.root / f"{PREFIX}{step:08d}"
        tmp = self.root / f".{final.name}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        save_file(trainable_state(model), tmp / "trainable.safetensors")
        torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                    "rng": _rng_state()}, tmp / "state.pt")
        (tmp / "progress.json").write_text(json.dumps(
            {"step": step, "data": data_state, "records": records}, ensure_ascii=False),
            encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        for old in self.all()[:-KEEP]:
            shutil.rmtree(old, ignore_errors=True)
        return final

    @staticmethod
    def load(path: Path, *, model, optimizer, scheduler) -> dict:
        """Restore weights, optimizer, scheduler and RNG; returns the progress record."""
        import torch
        from safetensors.torch import load_file

        if not (path / "progress.json").is_file():
            raise UsageError("not a checkpoint directory", path=str(path))
        weights = load_file(path / "trainable.safetensors")
        params = dict(model.named_parameters())
        missing = [n for n in weights if n not in params]
        if missing:
            raise UsageError(f"checkpoint has weights the model lacks: {missing[:3]}",
                             path=str(path), hint="resume with the same model and options")
        with torch.no_grad():
            for name, value in weights.items():
                params[name].copy_(value)
        state = torch.load(path / "state.pt", weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        _set_rng_state(state["rng"])
        return json.loads((path / "progress.json").read_text(encoding="utf-8"))
