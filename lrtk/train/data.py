"""Training batches from an `lrtk sample` mixture, and per-language evaluation sets.

Every step consumes exactly `batch_size` examples of the stream (one example per row,
truncated to the sequence length), so example t is trained at step t // batch_size: a
cooldown switch placed at an example index lands on a known step, and the stream's state
after a step is the exact resume point.
"""

from __future__ import annotations

from lrtk.errors import UsageError, param
from lrtk.train.loss import IGNORE

BACKENDS = ("python", "fairseq2")


class StreamRecords:
    """The python backend: lrtk.sampling.MixtureStream, resumable from its own state."""

    def __init__(self, plan, seed: int):
        from lrtk.sampling import MixtureStream, scan_corpora

        self.stream = MixtureStream(plan, scan_corpora(plan.corpora), seed=seed)
        self._it = iter(self.stream)

    def next(self) -> dict:
        return next(self._it)

    def state_dict(self) -> dict:
        return self.stream.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.stream.load_state_dict(state)
        self._it = iter(self.stream)


class PipelineRecords:
    """The fairseq2 backend (its own environment): the plan as a fairseq2 DataPipeline.
    Its state is the number of records consumed; resuming replays the pipeline to there."""

    def __init__(self, plan, seed: int):
        from lrtk.sampling.fairseq2_pipeline import build_pipeline

        self.plan, self.seed = plan, seed
        self._pipeline = build_pipeline(plan, seed=seed)
        self._it = iter(self._pipeline)
        self.consumed = 0

    def next(self) -> dict:
        rec = next(self._it)
        self.consumed += 1
        return rec

    def state_dict(self) -> dict:
        return {"consumed": self.consumed}

    def load_state_dict(self, state: dict) -> None:
        self._pipeline.reset()
        self._it = iter(self._pipeline)
        self.consumed = 0
        for _ in range(state["consumed"]):
            self.next()


def mixture_records(plan, *, seed: int, backend: str):
    if backend == "python":
        return StreamRecords(plan, seed)
    if backend == "fairseq2":
        return PipelineRecords(plan, seed)
    raise UsageError(f"unknown backend {backend!r}", hint=f"choose one of {', '.join(BACKENDS)}")


def encode(tokenizer, text: str, seq_len: int) -> list[int]:
    """Token ids of one example: the tokenizer's BOS, the text, EOS, cut to seq_len."""
    ids = tokenizer(text)["input_ids"]
    if tokenizer.eos_token_id is not None:
        ids = ids + [tokenizer.eos_token_id]
    return ids[:seq_len]


def pad_id(tokenizer) -> int:
    """The tokenizer's pad token, else EOS (GPT-2 style tokenizers have no pad)."""
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else \
        tokenizer.eos_token_id
    if pad is None:
        raise UsageError("the tokenizer has neither a pad nor an eos token")
    return pad


def pad_batch(rows: list[list[int]], pad: int, labels: list[list[int]] | None = None) -> dict:
    """Right-padded input_ids / attention_mask / labels; labels default to the inputs and
    are IGNORE on padding."""
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    attn = torch.zeros((len(rows), width), dtype=torch.long)
    out_labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, :len(row)] = torch.tensor(row)
        attn[i, :len(row)] = 1
        out_labels[i, :len(row)] = torch.tensor(labels[i] if labels is not None else row)
    return {"input_ids": ids, "attention_mask": attn, "labels": out_labels}


class MixtureBatches:
    """The loop's batch source: `batch_size` stream records per step, tokenized and padded."""

    def __init__(self, records, tokenizer, *, batch_size: int, seq_len: int):
        self.records = records
        self.tokenizer = tokenizer
        self.batch_size = batch_size
        self.seq_len = seq_len
        self.pad = pad_id(tokenizer)

    def next_batch(self) -> dict:
        rows = []
        for _ in range(self.batch_size):
            try:
                rec = self.records.next()
            except StopIteration:
                raise UsageError("the mixture ran out of examples before the last step",
                                 hint=f"plan a larger {param('budget', 'sample plan')} "
                                      "(steps x batch size)") from None
            rows.append(encode(self.tokenizer, rec["text"], self.seq_len))
        return pad_batch(rows, self.pad)

    def state_dict(self) -> dict:
        return self.records.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.records.load_state_dict(state)


def eval_sets(specs: list[str], tokenizer, *, seq_len: int, batch_size: int,
              limit: int) -> dict[str, list[dict]]:
    """Held-out batches per language from LANG=PATH specs (the first `limit` examples;
    a language given twice has its files concatenated, as for --corpus)."""
    from lrtk.sampling import parse_corpus_options, scan_corpora

    sets = {}
    pad = pad_id(tokenizer)
    for lang, corpus in scan_corpora(parse_corpus_options(specs, option=param("eval"))).items():
        rows = [encode(tokenizer, corpus.get(i)[0], seq_len)
                for i in range(min(limit, corpus.lines))]
        corpus.close()
        if not rows:
            raise UsageError("no evaluation examples", path=", ".join(corpus.spec.paths))
        sets[lang] = [pad_batch(rows[i:i + batch_size], pad)
                      for i in range(0, len(rows), batch_size)]
    return sets
