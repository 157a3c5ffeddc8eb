"""Language mixing for multilingual training: temperature, cooldown and UniMax schedules.

Usage (the same objects back `lrtk sample plan` and `lrtk sample draw`)::

    from lrtk.sampling import MixtureStream, Schedule, parse_corpus_options, plan_corpora, scan_corpora

    specs = parse_corpus_options(["bn=bn.txt", "bn=more.bn.txt.gz", "en=en.jsonl"])
    # -> [CorpusSpec("bn", ("bn.txt", "more.bn.txt.gz")), CorpusSpec("en", ("en.jsonl",), "jsonl")]
    corpora = scan_corpora(specs)                      # sizes + offsets, one pass per file
    plan = plan_corpora(corpora, schedule=Schedule("cooldown", tau=5, tau_end=1, switch=0.5),
                        budget=100_000)                # examples (unit="lines")
    print(plan.render())                               # probabilities, weights, epochs
    stream = MixtureStream(plan, corpora, seed=1)
    for rec in stream:                                 # {"lang", "phase", "text"[, "id"]}
        ...
    saved = stream.state_dict()                        # JSON-able; later:
    stream = MixtureStream(plan, scan_corpora(plan.corpora), seed=1)
    stream.load_state_dict(saved)                      # continues exactly where it stopped

A plan saved with `lrtk sample plan --report plan.json` (or `save_plan(plan, path)`) loads with
`load_plan("plan.json")`; its corpus paths are relative to the plan file's folder.
For a torch DataLoader / HF Trainer use `lrtk.sampling.torch_dataset.MixtureDataset`
(imports torch; this package does not): an IterableDataset, so the phases keep their order.
With `mode="upweight"` each record carries `weight`, the scalarization loss weight.
"""

from lrtk.sampling.corpus import (
    Corpus, CorpusSpec, parse_corpus_options, scan_corpora, token_counter,
)
from lrtk.sampling.mixing import scalarization_weights, temperature_probs, unimax_allocation
from lrtk.sampling.plan import (
    Phase, Plan, Schedule, build_plan, load_plan, plan_corpora, save_plan,
)
from lrtk.sampling.stream import MixtureStream

__all__ = [
    "Corpus", "CorpusSpec", "MixtureStream", "Phase", "Plan", "Schedule", "build_plan",
    "load_plan", "parse_corpus_options", "plan_corpora", "save_plan", "scalarization_weights", "scan_corpora",
    "temperature_probs", "token_counter", "unimax_allocation",
]
