"""Training examples for the three tuning objectives, as token ids with loss masks.

- clm: records with a text field; the model learns every token.
- mlm: the same texts; tokens are masked BERT-style (15%: 80% mask, 10% random, 10% kept)
  with a generator seeded per batch, so masking is reproducible and resumable.
- translation: pair records `{"src", "tgt"}` (optionally `src_lang` / `tgt_lang`) or
  `{"prompt", "target"}`, trained as a prompted causal LM: only the target tokens count.
- seq2seq (T5/mT5/mBART): summarization records `{"text", "summary"}`, pairs `{"src",
  "tgt"}` or `{"prompt", "target"}`; the source goes to the encoder, the loss is on the
  target alone (the decoder reads it shifted right).
- classify / ner: see lrtk.tune.tasks (the examples carry label ids instead of tokens).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from lrtk.errors import DataError, UsageError, param
from lrtk.io import read_records
from lrtk.io.progress import warn
from lrtk.io.schema import EXAMPLE, ID, TEXT, TEXT_PAIR, Field, schema, text_record
from lrtk.train.data import pad_batch, pad_id
from lrtk.train.loss import IGNORE
from lrtk.tune.seq2seq import encode_source, encode_target

OBJECTIVES = ("clm", "mlm", "translation", "seq2seq")
PROMPT = "{src_lang}: {src}\n{tgt_lang}: "
MASK_RATE = 0.15
_PROMPTED = EXAMPLE.optional("id")
SUMMARY = schema("summarization example", Field("text", TEXT), Field("summary", TEXT),
                 Field("id", ID, False))


@dataclass
class Example:
    input_ids: list[int]
    labels: list[int]


def _texts(path: str, text_field: str):
    fmt = "jsonl" if str(path).endswith((".jsonl", ".jsonl.gz")) or str(path) == "-" else "text"
    for rec in read_records(path, fmt, text_field=text_field, schema=text_record(text_field)):
        if rec[text_field].strip():
            yield rec[text_field]


def _prompt_pairs(path: str, src_lang: str | None, tgt_lang: str | None):
    for rec in read_records(path, "jsonl"):
        # {prompt, target} as `lrtk taco build` writes it, else a sentence pair.
        if "prompt" in rec or "target" in rec:
            _PROMPTED.validate(rec)
            yield rec["prompt"], rec["target"]
        else:
            TEXT_PAIR.validate(rec)
            yield PROMPT.format(src_lang=rec.get("src_lang", src_lang or "src"), src=rec["src"],
                                tgt_lang=rec.get("tgt_lang", tgt_lang or "tgt")), rec["tgt"]


def source_target(rec) -> tuple[str, str]:
    """(source, target) of a seq2seq record: {text, summary}, {src, tgt} or {prompt, target}."""
    if "text" in rec or "summary" in rec:
        SUMMARY.validate(rec)
        return rec["text"], rec["summary"]
    if "prompt" in rec or "target" in rec:
        _PROMPTED.validate(rec)
        return rec["prompt"], rec["target"]
    if "src" in rec or "tgt" in rec:
        TEXT_PAIR.validate(rec)
        return rec["src"], rec["tgt"]
    raise rec.error("not a seq2seq example", hint='give {"text", "summary"} or {"src", "tgt"} '
                    "records")


def build_examples(path: str, tokenizer, *, objective: str, max_length: int,
                   text_field: str = "text", src_lang: str | None = None,
                   tgt_lang: str | None = None) -> list[Example]:
    """Examples of a causal, masked or seq2seq LM objective (the task heads' are built by
    lrtk.tune.tasks)."""
    if objective not in OBJECTIVES:
        raise UsageError(f"unknown objective {objective!r}",
                         hint=f"choose one of {', '.join(OBJECTIVES)}")
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    examples = []
    if objective == "seq2seq":
        for rec in read_records(path, "jsonl"):
            source, target = source_target(rec)
            examples.append(Example(encode_source(tokenizer, source)[:max_length],
                                    encode_target(tokenizer, target)[:max_length]))
    elif objective == "translation":
        for prompt, target in _prompt_pairs(path, src_lang, tgt_lang):
            p = tokenizer(prompt)["input_ids"]
            t = tokenizer(target, add_special_tokens=False)["input_ids"] + eos
            ids = (p + t)[:max_length]
            examples.append(Example(ids, ([IGNORE] * len(p) + t)[:max_length]))
    else:
        for text in _texts(path, text_field):
            ids = tokenizer(text)["input_ids"]
            if objective == "clm":
                ids = ids + eos
            ids = ids[:max_length]
            examples.append(Example(ids, list(ids)))
    # A causal LM predicts from the second token on; an encoder–decoder every target token.
    first = 0 if objective == "seq2seq" else 1
    return usable(examples, path, first)


def usable(examples: list[Example], path: str, first: int = 0) -> list[Example]:
    """The examples with something to predict (a label at or after `first`); none is an error,
    and the ones left out are counted aloud (a prompt that fills the length limit leaves no
    target to learn, and a user reading "4000 examples" expects 4000 to train)."""
    kept = [e for e in examples if any(l != IGNORE for l in e.labels[first:])]
    if not kept:
        raise DataError("no usable training examples", path=str(path),
                        hint=f"the file is empty or every example was cut by {param('ctx')}")
    if len(kept) < len(examples):
        warn(f"{path}: {len(examples) - len(kept)} of {len(examples)} examples left out: "
             f"nothing to predict within {param('ctx')} tokens (the prompt fills it)")
    return kept


def held_out(examples: list[Example], every: int = 20) -> tuple[list[Example], list[Example]]:
    """Split by content hash (about 1 in `every`), so the same text always lands on one side."""
    train, held = [], []
    for e in examples:
        digest = hashlib.sha1(repr(e.input_ids).encode()).digest()
        (held if int.from_bytes(digest[:4], "big") % every == 0 else train).append(e)
    if not held or not train:
        raise DataError(f"too few examples ({len(examples)}) to hold out an evaluation set",
                        hint=f"pass {param('eval')} FILE")
    return train, held


class Collator:
    """Pads examples into a batch; for masked LMs also applies seeded BERT-style masking."""

    def __init__(self, tokenizer, *, objective: str, seed: int, decoder_inputs=None):
        self.pad = pad_id(tokenizer)
        self.mlm = objective == "mlm"
        self.objective = objective
        # seq2seq: the model's own shift of the labels (T5 prepends decoder_start_token_id,
        # mBART rotates the language code to the front), so training matches generation.
        self.decoder_inputs = decoder_inputs
        self.seed = seed
        if self.mlm:
            if tokenizer.mask_token_id is None:
                raise UsageError("masked-LM tuning needs a tokenizer with a mask token")
            self.mask_id = tokenizer.mask_token_id
            self.vocab = len(tokenizer)
            self.special = set(tokenizer.all_special_ids)

    def __call__(self, examples: list[Example], batch_number: int) -> dict:
        import torch

        if self.objective == "seq2seq":
            batch = pad_batch([e.input_ids for e in examples], self.pad)
            batch["labels"] = pad_batch([e.labels for e in examples], self.pad)["labels"]
            batch["decoder_input_ids"] = self.decoder_inputs(labels=batch["labels"])
            return batch
        if self.objective == "classify":
            batch = pad_batch([e.input_ids for e in examples], self.pad)
            batch["labels"] = torch.tensor([e.labels[0] for e in examples])
            return batch
        batch = pad_batch([e.input_ids for e in examples], self.pad,
                          [e.labels for e in examples])
        if self.mlm:
            batch["input_ids"], batch["labels"] = self._mask(
                batch["input_ids"], batch["attention_mask"], batch_number)
        return batch

    def _mask(self, ids, attn, batch_number: int):
        import torch

        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + batch_number)
        maskable = attn.bool() & ~torch.isin(ids, torch.tensor(sorted(self.special)))
        chosen = (torch.rand(ids.shape, generator=gen) < MASK_RATE) & maskable
        if not chosen.any():  # a batch must predict something
            first = maskable.nonzero()[0]
            chosen[first[0], first[1]] = True
        labels = torch.where(chosen, ids, torch.full_like(ids, IGNORE))
        roll = torch.rand(ids.shape, generator=gen)
        random_ids = torch.randint(0, self.vocab, ids.shape, generator=gen)
        out = torch.where(chosen & (roll < 0.8), torch.full_like(ids, self.mask_id), ids)
        out = torch.where(chosen & (roll >= 0.8) & (roll < 0.9), random_ids, out)
        return out, labels


class EpochBatches:
    """Shuffled batches over a fixed example list, epoch after epoch; resumable by position."""

    def __init__(self, examples: list[Example], batch_size: int, collate: Collator, seed: int):
        if batch_size < 1:
            raise UsageError(f"{param('batch_size')} must be at least 1, got {batch_size}")
        self.examples = examples
        self.batch_size = batch_size
        self.collate = collate
        self.seed = seed
        self.epoch, self.pos, self.batches = 0, 0, 0
        self._order = self._shuffle()

    def _shuffle(self) -> list[int]:
        order = list(range(len(self.examples)))
        random.Random(self.seed * 7919 + self.epoch).shuffle(order)
        return order

    def next_batch(self) -> dict:
        chosen = []
        while len(chosen) < self.batch_size:
            if self.pos == len(self._order):
                self.epoch, self.pos = self.epoch + 1, 0
                self._order = self._shuffle()
            chosen.append(self.examples[self._order[self.pos]])
            self.pos += 1
        self.batches += 1
        return self.collate(chosen, self.batches)

    def state_dict(self) -> dict:
        return {"epoch": self.epoch, "pos": self.pos, "batches": self.batches}

    def load_state_dict(self, state: dict) -> None:
        self.epoch, self.pos, self.batches = state["epoch"], state["pos"], state["batches"]
        self._order = self._shuffle()


def fixed_batches(examples: list[Example], batch_size: int, collate: Collator) -> list[dict]:
    """Evaluation batches in file order; masked-LM masks are drawn once, so runs compare."""
    return [collate(examples[i:i + batch_size], -1 - i // batch_size)
            for i in range(0, len(examples), batch_size)]
