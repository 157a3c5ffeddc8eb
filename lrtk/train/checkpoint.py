"""Checkpoints for exact resume: trainable weights, optimizer, scheduler, data and RNG state.

Each checkpoint is a directory `step-NNNNNNNN/` written under a temporary name and renamed
when complete, so an interrupted save never leaves a checkpoint that looks usable. Its
progress.json also records the options that shape the run (`CheckpointStore.run`), so a
resume with other options is refused by name instead of failing inside torch or quietly
training a different run.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
from pathlib import Path
from typing import Iterator

from lrtk.errors import DataError, LrtkError, UsageError, param
from lrtk.io.checkpoint import check_safetensors, read_json
from lrtk.io.hf_model import error_summary

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
    """The checkpoint directories of one run, newest last. `run` maps the options a resumed
    run must share with the one that wrote the checkpoints (by option name) to their values."""

    def __init__(self, root: str | os.PathLike, run: dict | None = None):
        self.root = Path(root)
        self.run = dict(run or {})

    def all(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir()
                      if p.is_dir() and p.name.startswith(PREFIX) and p.name[len(PREFIX):].isdigit())

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
            {"step": step, "data": data_state, "records": records, "run": self.run},
            ensure_ascii=False), encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        for old in self.all()[:-KEEP]:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def resume(self, *, model, optimizer, scheduler, source) -> tuple[Path, dict]:
        """Put weights, optimizer, scheduler, RNG and the batch source back as the newest
        checkpoint left them; returns it and its progress record. Reads only: a refused
        resume leaves the checkpoints as they were."""
        found = self.all()
        if not found:
            raise UsageError(f"{param('resume')}: no checkpoint to resume from",
                             path=str(self.root),
                             hint=f"start afresh without {param('resume')}")
        path = found[-1]
        hint = f"delete {path.name} to resume from {found[-2].name}" if len(found) > 1 else \
            f"start afresh without {param('resume')}"
        progress = _read_progress(path / "progress.json", hint)
        self._check_same_run(progress.get("run"))
        _restore_weights(model, path / "trainable.safetensors", hint)
        state_file = _existing(path / "state.pt", hint)
        with _reading(state_file, hint):
            import torch

            state = torch.load(state_file, weights_only=False)
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            _set_rng_state(state["rng"])
        with _reading(path / "progress.json", hint):
            source.load_state_dict(progress["data"])
        return path, progress

    def _check_same_run(self, saved) -> None:
        if saved is None:  # a checkpoint written before progress.json recorded the run
            return
        saved = {_parameter_name(k): v for k, v in saved.items()}
        names = list(self.run) + [k for k in saved if k not in self.run]
        differ = [k for k in names if saved.get(k) != self.run.get(k)]
        if differ:
            def shown(values: dict) -> str:
                return ", ".join(f"{param(k) if k.isidentifier() else k} "
                                 f"{values.get(k, '(not set)')}" for k in differ)

            raise UsageError(f"this run was started with {shown(saved)}, not "
                             f"{shown(self.run)}", path=str(self.root),
                             hint=f"pass the same options to {param('resume')}, or start a new -o")


# Checkpoints written before the run was keyed by parameter names keyed it by the flags.
_OLD_KEYS = {"--model-config tie_embeddings": "tie_embeddings",
             "the mixture (--corpus or --plan)": "mixture"}


def _parameter_name(key: str) -> str:
    """A saved run key as a parameter name: `--batch-size` of an older checkpoint is
    `batch_size`, so a run started before the rename still resumes."""
    if key in _OLD_KEYS:
        return _OLD_KEYS[key]
    return key[2:].replace("-", "_") if key.startswith("--") else key


def _existing(file: Path, hint: str) -> Path:
    if not file.is_file():
        raise DataError("missing from the checkpoint", path=str(file), hint=hint)
    return file


@contextlib.contextmanager
def _reading(file: Path, hint: str) -> Iterator[None]:
    """Whatever torch, pickle or the batch source raise about a checkpoint file is one
    DataError naming it (after the run check, a file that does not fit is a damaged one)."""
    try:
        yield
    except LrtkError as err:
        raise DataError(f"does not fit this run: {err.message}", path=str(file),
                        hint=hint) from None
    except Exception as err:  # torch.load raises whatever unpickling a cut file raises
        raise DataError(f"truncated or corrupt ({error_summary(err)})", path=str(file),
                        hint=hint) from None


def _read_progress(file: Path, hint: str) -> dict:
    progress = read_json(_existing(file, hint), hint)
    ok = isinstance(progress, dict) and isinstance(progress.get("step"), int) and \
        isinstance(progress.get("data"), dict) and isinstance(progress.get("records"), list) \
        and all(isinstance(r, dict) for r in progress["records"]) and \
        isinstance(progress.get("run", {}), dict)
    if not ok:
        raise DataError("not a checkpoint's progress record (step, data, records, run)",
                        path=str(file), hint=hint)
    return progress


def _restore_weights(model, file: Path, hint: str) -> None:
    """Copy the checkpoint's trainable weights into `model`; each must exist there with the
    same shape, and each trainable parameter of `model` must be in the checkpoint."""
    import torch
    from safetensors.torch import load_file

    check_safetensors(_existing(file, hint), hint)
    with _reading(file, hint):
        weights = load_file(file)
    params = {n: p for n, p in model.named_parameters() if p.requires_grad}
    for name in sorted(set(weights) | set(params)):
        have = tuple(weights[name].shape) if name in weights else "absent"
        need = tuple(params[name].shape) if name in params else "absent"
        if have != need:
            raise UsageError(f"{name} is {have} in the checkpoint but {need} in the model",
                             path=str(file), hint="resume with the options the run was "
                             "started with")
    with torch.no_grad():
        for name, value in weights.items():
            params[name].copy_(value)
