"""Bilingual dictionaries: source word -> {target word: probability}.

File format (`--dictionary FILE`): one entry per line, `source<TAB>target[<TAB>probability]`,
words case-folded on load; a missing probability means 1. Entries for the same source word
are renormalised to sum to 1. The dictionary can also come from `IBMModel1.to_dictionary()`.
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import Iterable, Mapping

from lrtk.errors import DataError
from lrtk.io.lines import display_name, read_lines


class Dictionary:
    """Translation candidates of source words, each with a probability."""

    def __init__(self, entries: Mapping[str, Mapping[str, float]]):
        self.entries: dict[str, dict[str, float]] = {}
        for src, cands in entries.items():
            total = sum(cands.values())
            if total > 0:
                self.entries[src] = {t: p / total for t, p in sorted(cands.items())}

    def __len__(self) -> int:
        return len(self.entries)

    def translations(self, word: str) -> dict[str, float]:
        return self.entries.get(word, {})

    def translate(self, words: Iterable[str]) -> list[tuple[str, float]]:
        """The target words (with probabilities) that the given source words may translate to."""
        out: list[tuple[str, float]] = []
        for w in words:
            out.extend(self.entries.get(w, {}).items())
        return out

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Dictionary":
        name = display_name(path)
        entries: dict[str, dict[str, float]] = defaultdict(dict)
        for lineno, line in read_lines(path):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) not in (2, 3) or not fields[0].strip() or not fields[1].strip():
                raise DataError("expected 'source<TAB>target[<TAB>probability]'", path=name,
                                line=lineno, hint="one dictionary entry per line")
            prob = 1.0
            if len(fields) == 3:
                try:
                    prob = float(fields[2])
                except ValueError:
                    raise DataError(f"probability is not a number: {fields[2]!r}", path=name,
                                    line=lineno) from None
                if not prob >= 0:
                    raise DataError(f"probability must be >= 0, got {fields[2]!r}", path=name,
                                    line=lineno)
            entries[fields[0].strip().casefold()][fields[1].strip().casefold()] = prob
        if not entries:
            raise DataError("dictionary has no entries", path=name,
                            hint="one 'source<TAB>target' pair per line")
        return cls(entries)

    def save(self, path: str | os.PathLike) -> None:
        from lrtk.io.atomic import atomic_output

        with atomic_output(path) as fh:
            for src in sorted(self.entries):
                for tgt, p in self.entries[src].items():
                    fh.write(f"{src}\t{tgt}\t{p:.6g}\n")
