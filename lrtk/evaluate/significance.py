"""Paired bootstrap resampling between two systems (sacrebleu's implementation, Koehn 2004)."""

from __future__ import annotations

import contextlib
import os
from typing import Sequence

from lrtk.errors import UsageError
from lrtk.evaluate.sacre import SacreMetric


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
                     seed: int = 12345) -> dict:
    """{metric name: {baseline, system, p_value, n_samples, seed, signature}}.

    p_value is the probability that the observed difference arises by chance; mean and
    ci are the bootstrap mean and 95% confidence half-width of each system's score.
    """
    from sacrebleu.significance import PairedTest

    unsupported = [m.name for m in metrics if not isinstance(m, SacreMetric)]
    if unsupported:
        raise UsageError(f"paired bootstrap works with sacrebleu metrics only, not "
                         f"{', '.join(unsupported)}", hint="drop them from --metric")
    if seed <= 0:
        # sacrebleu treats seed 0 as "unseeded", which would break --seed determinism.
        raise UsageError("--seed must be a positive integer for paired bootstrap")
    by_name = {m.name: m.metric for m in metrics}
    with _sacrebleu_seed(seed):
        test = PairedTest([("baseline", list(baseline)), ("system", list(system))],
                          metrics=by_name, references=[list(r) for r in refs],
                          test_type="bs", n_samples=n_samples)
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
