"""Bad input to trim-vocab, corpus kg2text and summarize: one error line naming the file at
fault, no traceback, and the previous output folder (or file) left exactly as it was."""

from __future__ import annotations

import json
import shutil

import pytest
from badinput import (assert_one_line_error, assert_unchanged, earlier_output,  # noqa: F401
                      interrupted, kit, lrtk, snapshot)
from test_export import spm_model  # noqa: F401


def _no_tokenizer(hf):
    for name in ("tokenizer.model", "tokenizer.json"):
        (hf / name).unlink()
    return hf, hf.name


def _unknown_architecture(hf):
    cfg = json.loads((hf / "config.json").read_text())
    cfg.update(model_type="gpt_neox", architectures=["GPTNeoXForCausalLM"])
    (hf / "config.json").write_text(json.dumps(cfg))
    return hf, "config.json"


def _bad_config_json(hf):
    (hf / "config.json").write_text('{"model_type": "llama",')
    return hf, "config.json"


def _damaged_tokenizer(hf):
    (hf / "tokenizer.json").unlink()
    (hf / "tokenizer.model").write_bytes(b"\x00not a sentencepiece model")
    return hf, hf.name


def _truncated_weights(hf):
    weights = hf / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    return hf, hf.name


def _missing_folder(hf):
    shutil.rmtree(hf)
    return hf, hf.name


# id -> (break the model copy -> (folder, name the error must give), corpus override,
#        extra arguments, output folder name, exit code)
TRIM_CASES = {
    "no-tokenizer": (_no_tokenizer, None, [], "out", 2),
    "unknown-architecture": (_unknown_architecture, None, [], "out", 2),
    "config-not-json": (_bad_config_json, None, [], "out", 1),
    "tokenizer-damaged": (_damaged_tokenizer, None, [], "out", 1),
    "weights-truncated": (_truncated_weights, None, [], "out", 1),
    "model-folder-missing": (_missing_folder, None, [], "out", 2),
    "corpus-missing": (None, "missing.txt", [], "out", 2),
    "corpus-empty": (None, "empty.txt", [], "out", 1),
    "coverage-above-one": (None, None, ["--coverage", "1.5"], "out", 2),
    "output-is-the-model": (None, None, [], "hf", 2),
    "output-parent-missing": (None, None, [], "nowhere/out", 2),
}


@pytest.mark.parametrize("case", list(TRIM_CASES))
def test_trim_vocab_bad_input(case, kit, tmp_path):
    breaker, corpus_name, extra, out_name, code = TRIM_CASES[case]
    (hf,) = kit.work(tmp_path, "hf")
    corpus = kit.text_en
    name = {"hf": "hf", "nowhere/out": "nowhere"}.get(out_name, "1.5")
    if breaker is not None:
        hf, name = breaker(hf)
    if corpus_name is not None:
        corpus = tmp_path / corpus_name
        if corpus_name == "empty.txt":
            corpus.write_text("\n\n", encoding="utf-8")
        name = corpus_name
    earlier_output(tmp_path / "out", "trim-vocab")
    before = snapshot(tmp_path)
    res = lrtk("trim-vocab", hf, "--corpus", f"en={corpus}", *extra, "-o", tmp_path / out_name)
    assert_one_line_error(res, name, code=code)
    assert_unchanged(tmp_path, before)


def test_trim_vocab_interrupted_while_writing_leaves_the_old_output(kit, tmp_path):
    """Ctrl-C while the trimmed model is being written (its hidden temporary folder exists):
    the earlier output stays as it was and no temporary folder is left."""
    import signal

    out = earlier_output(tmp_path / "out", "trim-vocab")
    before = snapshot(tmp_path)
    res = interrupted("trim-vocab", kit.hf, "--corpus", f"en={kit.text_en}", "-o", out,
                      sig=signal.SIGINT, when=lambda: any(tmp_path.glob(".out.*tmp")))
    assert res.code == 130 and "Traceback" not in res.err, res.err
    assert_unchanged(tmp_path, before)


GOOD_TSV = "relation\thead\ttail\tlang\n/r/IsA\t/c/en/dog\t/c/en/animal\ten\n"
# id -> (triples file text or None for a missing file, templates YAML or None, extra args,
#        names the error line must give, exit code)
KG_CASES = {
    "short-row": (GOOD_TSV + "/r/IsA\t/c/en/cat\n", None, [], ["triples.tsv:3"], 1),
    "unknown-layout": ("IsA\tdog\n", None, [], ["triples.tsv:1"], 1),
    "empty-concept": (GOOD_TSV + "/r/IsA\t\t/c/en/animal\ten\n", None, [], ["triples.tsv:3"], 1),
    "triples-missing": (None, None, [], ["triples.tsv"], 2),
    "templates-not-yaml": (GOOD_TSV, "en: [unclosed\n", [], ["mine.yaml"], 1),
    "template-without-tail": (GOOD_TSV, 'en:\n  IsA: "{head} is a thing."\n', [],
                              ["mine.yaml", "IsA"], 1),
    "template-unknown-field": (GOOD_TSV, 'en:\n  IsA: "{head} is a {tail} {kind}."\n', [],
                               ["mine.yaml", "IsA"], 1),
    "lang-without-templates": (GOOD_TSV, None, ["--lang", "xx"], ["xx"], 2),
}


@pytest.mark.parametrize("case", list(KG_CASES))
def test_kg2text_bad_input(case, tmp_path):
    text, templates, extra, names, code = KG_CASES[case]
    triples = tmp_path / "triples.tsv"
    if text is not None:
        triples.write_text(text, encoding="utf-8")
    if templates is not None:
        (tmp_path / "mine.yaml").write_text(templates, encoding="utf-8")
        extra = [*extra, "--templates", tmp_path / "mine.yaml"]
    (tmp_path / "kg.jsonl").write_text('{"id":"old","lang":"en","text":"kept"}\n')
    before = snapshot(tmp_path)
    res = lrtk("corpus", "kg2text", triples, *extra, "-o", tmp_path / "kg.jsonl",
               "--report", tmp_path / "report.json")
    assert_one_line_error(res, *names, code=code)
    assert_unchanged(tmp_path, before)


DOC = '{"id": "d1", "lang": "bn", "text": "প্রথম বাক্য। দ্বিতীয় বাক্য।"}\n'
# id -> (documents text, extra args, names the error line must give, exit code)
SUMMARIZE_CASES = {
    "doc-without-text": (DOC + '{"id": "d2", "lang": "bn"}\n', [], ["docs.jsonl:2", "text"], 1),
    "doc-not-json": (DOC + "{oops\n", [], ["docs.jsonl:2"], 1),
    "no-lang": ('{"id": "d1", "text": "One. Two."}\n', [], ["docs.jsonl:1", "--lang"], 1),
    "unknown-method": (DOC, ["--method", "textrank"], ["textrank"], 2),
    "encoder-without-model": (DOC, ["--method", "encoder"], ["--model"], 2),
    "encoder-folder-missing": (DOC, ["--method", "encoder", "--model", "nowhere"], ["nowhere"], 2),
    "encoder-folder-broken": (DOC, ["--method", "encoder", "--model", "broken"], ["broken"], 1),
}


@pytest.mark.parametrize("case", list(SUMMARIZE_CASES))
def test_summarize_bad_input(case, tmp_path):
    text, extra, names, code = SUMMARIZE_CASES[case]
    (tmp_path / "docs.jsonl").write_text(text, encoding="utf-8")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "summaries.jsonl").write_text('{"id":"old","summary":"kept"}\n')
    before = snapshot(tmp_path)
    res = lrtk("summarize", "docs.jsonl", *extra, "-o", "summaries.jsonl", cwd=tmp_path)
    assert_one_line_error(res, *names, code=code)
    assert_unchanged(tmp_path, before)
