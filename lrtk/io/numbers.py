"""The one check of the numbers a user gives (command-line options, YAML keys).

A float option parses "nan" and "inf", and nan passes every comparison a range check makes
(`nan <= 0` is False), so `--lr nan` used to train a model of NaNs. `Limits.check` refuses
non-finite values first, then values outside the range, with one message that says what
the option takes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from lrtk.errors import UsageError, param


@dataclass(frozen=True)
class Limits:
    """The values a numeric option takes: a range, its ends open or closed, ints only or not."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def describe(self) -> str:
        kind = "integer" if self.integer else "number"
        positive = (self.low, self.low_open) == (0, True) or \
            (self.integer and (self.low, self.low_open) == (1, False))
        if self.high is None and positive:
            return f"a positive {kind}"
        if self.high is None and (self.low, self.low_open) == (0, False):
            return f"a non-negative {kind}"
        if self.high is None:
            return f"a{'n' if self.integer else ''} {kind} {'>' if self.low_open else '>='} " \
                   f"{_show(self.low)}"
        interval = (f"{'(' if self.low_open else '['}{_show(self.low)}, {_show(self.high)}"
                    f"{')' if self.high_open else ']'}")
        return f"an integer in {interval}" if self.integer else f"in {interval}"

    def check(self, value, name: str):
        """`value` (an int for integer limits) or a UsageError naming `name`."""
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if number and not math.isfinite(value):
            raise UsageError(f"{name} must be a finite number, got {value}")
        if number and self.integer and value != int(value):
            number = False
        if not number or not self._holds(value):
            raise UsageError(f"{name} must be {self.describe()}, got {value!r}")
        return int(value) if self.integer else value

    def _holds(self, value) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or (value < self.high if self.high_open else value <= self.high)


def _show(bound: float) -> str:
    return str(int(bound)) if bound == int(bound) else f"{bound:g}"


COUNT = Limits(1, integer=True)            # steps, batch sizes, layers
EVERY = Limits(0, integer=True)            # "every N steps" and counts where 0 means none
POSITIVE = Limits(0, low_open=True)        # learning rate, temperatures
NON_NEGATIVE = Limits(0)                   # weight decay
FRACTION = Limits(0, 1, low_open=True)     # (0, 1]: decay fraction, top-p
DROPOUT = Limits(0, 1, high_open=True)     # [0, 1)
SEED = Limits(0, 2**32 - 1, integer=True)  # what numpy and transformers.set_seed accept




def check_options(config, limits: dict[str, Limits]) -> None:
    """Check the fields of the dataclass `config` named in `limits`; None means not given."""
    for f in fields(config):
        value = getattr(config, f.name)
        if f.name in limits and value is not None:
            limits[f.name].check(value, param(f.name))
