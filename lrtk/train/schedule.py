"""Learning-rate schedules: warmup-stable-decay (MiniCPM) by default, cosine as an option.

WSD keeps the peak rate until the last `decay_steps`, so the decay phase is a well defined
step range; `decay_start` exposes it so a data mixture can switch to its cooldown there.
"""

from __future__ import annotations

from lrtk.errors import UsageError, param
from lrtk.io.numbers import FRACTION

SCHEDULES = ("wsd", "cosine", "constant")


def decay_steps_for(steps: int, decay_fraction: float) -> int:
    """Length of the WSD decay phase: a fraction of the run (MiniCPM uses about 10%)."""
    return max(1, round(steps * FRACTION.check(decay_fraction, param("decay_fraction"))))


def decay_start(steps: int, schedule: str, decay_fraction: float) -> int:
    """The first step of the decay phase (0 for cosine, which decays from the end of warmup)."""
    if schedule == "wsd":
        return steps - decay_steps_for(steps, decay_fraction)
    return 0


def build_scheduler(optimizer, schedule: str, *, steps: int, warmup_steps: int,
                    decay_fraction: float):
    from transformers import (get_constant_schedule_with_warmup,
                              get_cosine_schedule_with_warmup, get_wsd_schedule)

    if warmup_steps < 0 or warmup_steps >= steps:
        raise UsageError(f"{param('warmup_steps')} must be in [0, steps), got {warmup_steps} "
                         f"with {steps} steps")
    if schedule == "wsd":
        decay = decay_steps_for(steps, decay_fraction)
        if warmup_steps + decay > steps:
            raise UsageError(f"warmup ({warmup_steps}) + decay ({decay}) steps exceed the "
                             f"{steps} training steps", hint=f"lower {param('warmup_steps')} or "
                             f"{param('decay_fraction')}")
        return get_wsd_schedule(optimizer, num_warmup_steps=warmup_steps, num_decay_steps=decay,
                                num_training_steps=steps)
    if schedule == "cosine":
        return get_cosine_schedule_with_warmup(optimizer, warmup_steps, steps)
    if schedule == "constant":
        return get_constant_schedule_with_warmup(optimizer, warmup_steps)
    raise UsageError(f"unknown schedule {schedule!r}", hint=f"choose one of {', '.join(SCHEDULES)}")
