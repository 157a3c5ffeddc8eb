"""The mixture stream as a torch IterableDataset, for `lrtk train` / `lrtk tune`.

Iterable, not map-style: the HF Trainer shuffles map-style datasets, which would mix the
cooldown phases; an IterableDataset is consumed in stream order. This module imports torch;
`lrtk.sampling` itself does not.
"""

from __future__ import annotations

from typing import Iterator

from torch.utils.data import IterableDataset, get_worker_info

from lrtk.sampling.corpus import scan_corpora
from lrtk.sampling.plan import Plan, load_plan
from lrtk.sampling.stream import MixtureStream


class MixtureDataset(IterableDataset):
    """Records `{"lang", "phase", "text"[, "id"][, "weight"]}` in plan order.

    With DataLoader workers each worker yields every num_workers-th step; resume with
    `load_state_dict` (exact for num_workers=0, where the state is the consumed prefix).
    """

    def __init__(self, plan: Plan | str, *, seed: int = 0, state: dict | None = None):
        self.plan = load_plan(plan) if isinstance(plan, str) else plan
        self.seed = seed
        self._stream = MixtureStream(self.plan, scan_corpora(self.plan.corpora), seed=seed)
        if state is not None:
            self._stream.load_state_dict(state)

    def __len__(self) -> int:
        return len(self._stream)

    def state_dict(self) -> dict:
        return self._stream.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self._stream.load_state_dict(state)

    def __iter__(self) -> Iterator[dict]:
        worker = get_worker_info()
        if worker is None:
            return iter(self._stream)
        # Each worker process holds its own copy of the stream; shard it by step.
        shard = MixtureStream(self.plan, self._stream.corpora, seed=self.seed,
                              shard=(worker.id, worker.num_workers))
        shard.load_state_dict(self._stream.state_dict())
        return iter(shard)
