"""Paired bootstrap resampling between two systems (sacrebleu's implementation, Koehn 2004)."""

from __future__ import annotations

import contextlib
import os
from typing import Sequence

from lrtk.errors import UsageError, param
from lrtk.evaluate.sacre import SacreMetric


class _Seed(int):
    """A seed that is true even when it is 0: PairedTest passes `self._seed if self._seed
    else None` to numpy, so a plain 0 would mean "unseeded" and break --seed determinism,
    while numpy's default_rng(0) is as reproducible as any other seed."""

    def __bool__(self) -> bool:
        return True


@contextlib.contextmanager
def _sacrebleu_seed(seed: int):
    # sacrebleu reads its bootstrap seed from SACREBLEU_SEED, not from an argument.
    old = os.environ.get("SACREBLEU_SEED")
    os.environ["SACREBLEU_SEED"] = str(seed)
    try:
        yield
    finally:
        if old is None:
            del os.environ["SACREBLEU_SEED"]
        else:
            os.environ["SACREBLEU_SEED"] = old


def paired_bootstrap(metrics: Sequence, system: Sequence[str], baseline: Sequence[str],
                     refs: Sequence[Sequence[str]], *, n_samples: int = 1000,
                     seed: int = 0) -> dict:
    """{metric name: {baseline, system, p_value, n_samples, seed, signature}}.

    p_value is the probability that the observed difference arises by chance; mean and
    ci are the bootstrap mean and 95% confidence half-width of each system's score.
    """
    from sacrebleu.significance import PairedTest

    unsupported = [m.name for m in metrics if not isinstance(m, SacreMetric)]
    if unsupported:
        raise UsageError(f"paired bootstrap works with sacrebleu metrics only, not "
                         f"{', '.join(unsupported)}", hint=f"drop them from {param('metric')}")
    by_name = {m.name: m.metric for m in metrics}
    with _sacrebleu_seed(seed):
        test = PairedTest([("baseline", list(baseline)), ("system", list(system))],
                          metrics=by_name, references=[list(r) for r in refs],
                          test_type="bs", n_samples=n_samples)
        test._seed = _Seed(seed)  # read from SACREBLEU_SEED above; see _Seed
        signatures, scores = test()
    out = {}
    # PairedTest keys its results by sacrebleu's display names (BLEU, chrF2++), in the
    # order the metrics were given, so zip them back to ours.
    for ours, theirs in zip(by_name, signatures):
        base, sys_ = scores[theirs]
        out[ours] = {
            "baseline": {"score": round(base.score, 4), "mean": round(float(base.mean), 4),
                         "ci": round(float(base.ci), 4)},
            "system": {"score": round(sys_.score, 4), "mean": round(float(sys_.mean), 4),
                       "ci": round(float(sys_.ci), 4)},
            "p_value": round(float(sys_.p_value), 4),
            "n_samples": n_samples,
            "seed": seed,
            "signature": signatures[theirs].format(),
        }
    return out
