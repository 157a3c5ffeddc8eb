"""Running a plan: pick the backend, resume from a state file, count what was drawn."""

from __future__ import annotations

import json
import os
from collections import Counter
from itertools import islice
from typing import Iterator

from lrtk.errors import UsageError, param
from lrtk.io.atomic import write_json
from lrtk.io.lines import open_lines
from lrtk.sampling.corpus import scan_corpora
from lrtk.sampling.plan import Plan
from lrtk.sampling.stream import MixtureStream

BACKENDS = ("python", "fairseq2")


class Draw:
    """One `lrtk sample draw` run: records to write, then a state to save and a summary."""

    def __init__(self, plan: Plan, *, seed: int = 0, backend: str = "python",
                 state_path: str | None = None, take: int | None = None):
        if backend not in BACKENDS:
            raise UsageError(f"unknown backend {backend!r}", hint=f"choose one of {', '.join(BACKENDS)}")
        if backend == "fairseq2" and state_path is not None:
            raise UsageError(f"{param('state')} needs the python backend",
                             hint="the fairseq2 pipeline is drawn in one go")
        if take is not None and take < 0:
            raise UsageError(f"{param('take')} must be >= 0, got {take}")
        self.plan = plan
        self.seed = seed
        self.backend = backend
        self.state_path = state_path
        self.take = take
        self.counts: Counter[tuple[int, str]] = Counter()
        self._stream: MixtureStream | None = None

    def records(self) -> Iterator[dict]:
        if self.backend == "fairseq2":
            from lrtk.sampling.fairseq2_pipeline import build_pipeline

            source: Iterator[dict] = iter(build_pipeline(self.plan, seed=self.seed))
        else:
            self._stream = MixtureStream(self.plan, scan_corpora(self.plan.corpora), seed=self.seed)
            if self.state_path is not None and os.path.exists(self.state_path):
                try:
                    self._stream.load_state_dict(_read_state(self.state_path))
                except UsageError as err:  # the stream does not know the file: name it
                    raise UsageError(err.message, path=self.state_path, hint=err.hint) from None
            source = iter(self._stream)
        for rec in islice(source, self.take):
            self.counts[rec["phase"], rec["lang"]] += 1
            yield rec

    def save_state(self) -> None:
        """Write the state after the records were written (atomically, like the records)."""
        if self.state_path is not None and self._stream is not None:
            write_json(self._stream.state_dict(), self.state_path)

    @property
    def finished(self) -> bool:
        return self._stream is None or self._stream.step >= self.plan.draws

    def summary(self) -> dict:
        per_phase: dict[str, dict[str, int]] = {}
        for (phase, lang), n in sorted(self.counts.items()):
            per_phase.setdefault(str(phase), {})[lang] = n
        return {"backend": self.backend, "seed": self.seed, "drawn": sum(self.counts.values()),
                "per_phase": per_phase, "finished": self.finished}


def _read_state(path: str) -> dict:
    try:
        return json.load(open_lines(path))
    except json.JSONDecodeError as e:
        raise UsageError(f"not a sampler state file: {e.msg}", path=path,
                         hint="delete it to start from the beginning") from None
