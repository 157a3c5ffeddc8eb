"""Task heads on encoders (BERT, XLM-R): sequence classification and NER.

- classify: records `{"text", "label"}` (label a string or an integer), a
  sequence-classification head over the encoder;
- ner: records `{"tokens", "tags"}` (BIO tags, one per word), a token-classification head;
  each word's tag is learnt on its first sub-word token, the other sub-words are ignored
  (and at prediction each word takes its first sub-word's tag).

The label set comes from the training data (sorted, so two runs on the same data number
labels alike) and is saved with the head; evaluation data with a label the head does not
know is an error naming the record. The head is saved beside the adapter it was trained
with (`lrtk_head.safetensors`, `lrtk_task.json`), since the adapters library saves
adapters without heads here (see lrtk.tune.model).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lrtk.errors import DataError, UsageError, param
from lrtk.io import read_jsonl
from lrtk.io.checkpoint import read_json
from lrtk.io.hf_model import load_hf_tokenizer, loading
from lrtk.io.schema import ID, STRINGS, TEXT, Field, Type, schema
from lrtk.train.loss import IGNORE
from lrtk.tune.examples import Example, usable
from lrtk.tune.model import MASKED_FAMILIES, model_kind, quiet_adapters, require_adapters

TASKS = ("classify", "ner")
HEAD_FILE = "lrtk_head.safetensors"
TASK_FILE = "lrtk_task.json"
HEAD_CLASS = {"classify": "AutoModelForSequenceClassification",
              "ner": "AutoModelForTokenClassification"}


def _is_label(value: object) -> bool:
    return (isinstance(value, str) and bool(value.strip())) or \
        (isinstance(value, int) and not isinstance(value, bool))


LABEL = Type("a non-empty string or an integer", _is_label)
RECORDS = {"classify": schema("classification example", Field("text", TEXT),
                              Field("label", LABEL), Field("id", ID, False)),
           "ner": schema("NER example", Field("tokens", STRINGS), Field("tags", STRINGS),
                         Field("id", ID, False))}


def check_task(task: str, model_path: str | os.PathLike, option: str = param("model")) -> None:
    if task not in TASKS:
        raise UsageError(f"unknown task {task!r}", hint=f"choose one of {', '.join(TASKS)}")
    model_type, _ = model_kind(model_path, option)
    if model_type not in MASKED_FAMILIES:
        raise UsageError(f"{param('task')} {task} needs an encoder, not a {model_type} model",
                         path=str(model_path), hint="give a BERT or XLM-R folder")


def read_task_records(path: str, task: str) -> list:
    recs = list(read_jsonl(path, schema=RECORDS[task]))
    for rec in recs:
        if task == "ner" and len(rec["tokens"]) != len(rec["tags"]):
            raise rec.error(f"{len(rec['tokens'])} tokens but {len(rec['tags'])} tags",
                            hint="one BIO tag per token")
        if task == "ner" and not rec["tokens"]:
            raise rec.error("no tokens")
    if not recs:
        raise DataError("no examples", path=str(path))
    return recs


def labels_of(records: list, task: str) -> list[str]:
    """The sorted label set of the training records (NER: the tags, with O)."""
    if task == "classify":
        found = {str(r["label"]) for r in records}
    else:
        found = {t for r in records for t in r["tags"]} | {"O"}
    if len(found) < 2:
        raise DataError(f"only one label ({', '.join(sorted(found))}) in the training data",
                        path=str(records[0].path), hint="a classifier needs two labels or more")
    return sorted(found)


def label_id(rec, label: str, index: dict[str, int]) -> int:
    """The id of `label` in the head's label set; a label it lacks is the record's error."""
    if label not in index:
        raise rec.error(f"label {label!r} is not one the head was trained on",
                        hint="known: " + ", ".join(index))
    return index[label]


def task_examples(records: list, tokenizer, task: str, labels: list[str],
                  max_length: int) -> list[Example]:
    index = {name: i for i, name in enumerate(labels)}
    examples = []
    for rec in records:
        if task == "classify":
            ids = tokenizer(rec["text"], truncation=True, max_length=max_length)["input_ids"]
            examples.append(Example(ids, [label_id(rec, str(rec["label"]), index)]))
            continue
        enc = tokenizer(rec["tokens"], is_split_into_words=True, truncation=True,
                        max_length=max_length)
        tags = [IGNORE] * len(enc["input_ids"])
        for position, word in first_subwords(enc.word_ids()):
            tags[position] = label_id(rec, rec["tags"][word], index)
        examples.append(Example(enc["input_ids"], tags))
    return usable(examples, str(records[0].path))


def first_subwords(word_ids: list) -> list[tuple[int, int]]:
    """(token position, word index) of each word's first sub-word token."""
    out, previous = [], None
    for position, word in enumerate(word_ids):
        if word is not None and word != previous:
            out.append((position, word))
        previous = word
    return out


def load_task_model(model_path: str | os.PathLike, task: str, labels: list[str],
                    option: str = param("model")):
    """The encoder with a fresh head for `labels`, and the names of the head's tensors (the
    ones the checkpoint lacks: the classifier, and BERT's pooler when it was saved as an
    MLM)."""
    import transformers

    check_task(task, model_path, option)
    adapters = require_adapters()
    cls = getattr(transformers, HEAD_CLASS[task])
    with loading(model_path, "model"):
        model, info = cls.from_pretrained(
            model_path, local_files_only=True, output_loading_info=True,
            num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={name: i for i, name in enumerate(labels)})
    head = sorted(info["missing_keys"])
    unexpected_body = [k for k in head if k.startswith(model.base_model_prefix + ".")
                       and ".pooler." not in k]
    if unexpected_body:
        raise DataError(f"the weights lack {len(unexpected_body)} encoder tensor(s) "
                        f"({', '.join(unexpected_body[:3])})", path=str(model_path),
                        hint="config.json and the weights come from different models")
    adapters.init(model)
    return model, load_hf_tokenizer(model_path), head


def save_head(model, head: list[str], task: str, labels: list[str], directory: Path,
              language_adapter: str | None) -> None:
    from safetensors.torch import save_file

    state = model.state_dict()
    save_file({k: state[k].contiguous() for k in head}, str(directory / HEAD_FILE))
    (directory / TASK_FILE).write_text(json.dumps(
        {"task": task, "labels": labels, "head": head,
         "language_adapter": str(Path(language_adapter).resolve()) if language_adapter
         else None}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_task(adapter_dir: str | os.PathLike, option: str = param("adapter")) -> dict:
    """The task note of an adapter `lrtk tune --task` saved; other adapters are refused."""
    note = Path(adapter_dir) / TASK_FILE
    if not note.is_file() or not (Path(adapter_dir) / HEAD_FILE).is_file():
        raise UsageError(f"{option} is not a task adapter (no {TASK_FILE})",
                         path=str(adapter_dir), hint=f"train one with a {param('task')}")
    return read_json(note)


def load_task_adapter(model_path: str | os.PathLike, adapter_dir: str | os.PathLike,
                      language_adapter: str | os.PathLike | None):
    """Encoder + head + task adapter, stacked on `language_adapter` (any language's: this is
    where zero-shot transfer swaps it); returns (model, tokenizer, task note)."""
    from adapters import Stack
    from safetensors.torch import load_file

    from lrtk.tune.model import load_adapter

    note = read_task(adapter_dir)
    model, tokenizer, head = load_task_model(model_path, note["task"], note["labels"])
    with loading(adapter_dir, "task head"):
        weights = load_file(str(Path(adapter_dir) / HEAD_FILE))
        model.load_state_dict(weights, strict=False)
    if sorted(weights) != head:
        raise DataError("the task head does not fit this model", path=str(adapter_dir),
                        hint=f"evaluate with the {param('model')} the adapter was trained on")
    names = []
    with quiet_adapters():
        if language_adapter:
            names.append(load_adapter(model, language_adapter, "language",
                                      param("language_adapter")))
        names.append(load_adapter(model, adapter_dir, "task", param("adapter")))
        model.set_active_adapters(Stack(*names) if len(names) > 1 else names[0])
    return model.eval(), tokenizer, note
