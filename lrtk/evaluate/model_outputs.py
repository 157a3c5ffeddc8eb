"""A model's outputs on a test file, to be scored: translations (or summaries) of the test
records with their references, and a task adapter's scores on labelled records."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from lrtk.errors import DataError, UsageError, param
from lrtk.io import read_jsonl
from lrtk.io.schema import TEST_PAIR


def run_name(path: str) -> str:
    """What names a model or adapter in a table: its folder, or for OUT/adapter (as tuning
    writes it) the run's folder OUT."""
    p = Path(path).resolve()
    return p.parent.name if p.name == "adapter" else p.name


def read_test_records(test: str, seq2seq: bool) -> tuple[list, list[list[str]]]:
    """The test records and the reference streams: `tgt` of a pair (a string, or a list of
    strings for several references) or, for an encoder–decoder, `summary` of a
    summarization record {"text", "summary"}."""
    from lrtk.tune.examples import SUMMARY

    records = []
    for rec in read_jsonl(test):
        if seq2seq and ("text" in rec or "summary" in rec):
            SUMMARY.validate(rec)
            rec["tgt"] = rec["summary"]
        else:
            TEST_PAIR.validate(rec)
        records.append(rec)
    if not records:
        raise DataError("no test pairs", path=test)
    n_refs = len(records[0]["tgt"]) if isinstance(records[0]["tgt"], list) else 1
    refs: list[list[str]] = [[] for _ in range(n_refs)]
    for rec in records:
        tgt = rec["tgt"] if isinstance(rec["tgt"], list) else [rec["tgt"]]
        if len(tgt) != n_refs:
            raise rec.error(f"'tgt' must hold {n_refs} reference(s), as on line "
                            f"{records[0].line}", hint="every pair needs as many references")
        for stream, text in zip(refs, tgt):
            stream.append(text)
    return records, refs


def model_hyps_and_refs(model: str, adapter: Optional[str], test: str, src_lang: str,
                        tgt_lang: str, names: tuple[Optional[str], Optional[str]], taco: bool,
                        settings) -> tuple[list[str], list[list[str]]]:
    """Translate (or summarize) the test records with the model; refs are the `tgt` (or
    `summary`) side. A decoder-only model reads the translation prompt, an encoder–decoder
    the source itself. `names`: the English names of the two languages where their codes
    are unknown; `settings`: the GenerationSettings."""
    from lrtk.generate import Generator, generate_records, load_model
    from lrtk.io.checkpoint import check_model_dir
    from lrtk.taco import language_name, translation_prompt

    seq2seq = bool(check_model_dir(model, param("model")).get("is_encoder_decoder"))
    records, refs = read_test_records(test, seq2seq)
    if seq2seq:
        loaded = load_model(model, adapter, src_lang=src_lang, tgt_lang=tgt_lang)
    else:
        src_name, tgt_name = language_name(src_lang, names[0]), language_name(tgt_lang, names[1])
        for rec in records:
            if "prompt" not in rec:
                # The same prompt TaCo data trains translation with.
                rec["prompt"] = translation_prompt(rec["src"], src_name, tgt_name)
        loaded = load_model(model, adapter)
    generator = Generator(loaded, settings)
    taco_language = language_name(tgt_lang, names[1]) if taco else None
    outputs = generate_records(records, generator, taco_language=taco_language)
    return [o["output"] for o in outputs], refs


def task_scores(task: str, model: str, adapter: Optional[str], language_adapter: Optional[str],
                test: str, batch_size: int) -> list:
    """Accuracy and macro-F1 (classify) or entity P/R/F1 (ner) of a task adapter on `test`;
    the language adapter is the one given, else the one the task adapter was trained on."""
    from lrtk.evaluate.tasks import predict, task_results
    from lrtk.tune.tasks import label_id, load_task_adapter, read_task, read_task_records

    if not adapter:
        raise UsageError(f"{param('task')} {task} needs {param('adapter')}",
                         hint=f"the adapter folder of a tuning run with a {param('task')} "
                              "(OUT/adapter)")
    note = read_task(adapter)
    if note["task"] != task:
        raise UsageError(f"{param('adapter')} was trained for {param('task')} {note['task']}, "
                         f"not {task}", path=adapter)
    language = language_adapter or note.get("language_adapter")
    records = read_task_records(test, task)
    gold = [str(r["label"]) if task == "classify" else r["tags"] for r in records]
    if task == "classify":  # NER gold tags the head lacks just count as missed entities
        index = {name: i for i, name in enumerate(note["labels"])}
        for rec, label in zip(records, gold):
            label_id(rec, label, index)
    model_obj, tokenizer, _ = load_task_adapter(model, adapter, language)
    predicted = predict(model_obj, tokenizer, task, records, batch_size=batch_size)
    signature = (f"{task}|adapter:{run_name(adapter)}|language:"
                 f"{run_name(language) if language else 'none'}|n:{len(records)}")
    return task_results(task, gold, predicted, signature)
