"""Bad input to the seq2seq, task-adapter and BERTScore paths of tune, generate and eval: one
error line naming the file (and line) or option at fault, no traceback, exit 1 for data and
2 for the command line, and the earlier output folder (or report file) left as it was."""

from __future__ import annotations

import json

import pytest
from badinput import assert_one_line_error, assert_unchanged, earlier_output, lrtk, snapshot

pytest.importorskip("torch")
pytest.importorskip("adapters")

from encoder_models import model_builder, tico  # noqa: E402


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """Tiny mT5, mBART and BERT folders, a BERT task adapter (classify, labels bn/en) and a
    BERT language adapter (masked LM), trained a few steps in-process."""
    from lrtk.tune import TuneConfig, tune

    root = tmp_path_factory.mktemp("bad-seq2seq")
    models = model_builder(root)
    good = root / "lid.jsonl"
    good.write_text("".join(json.dumps({"text": t, "label": lang}, ensure_ascii=False) + "\n"
                            for lang in ("bn", "en") for t in tico(lang, 30)), encoding="utf-8")
    common = dict(model=str(models("bert")), eval=str(good), steps=2, batch_size=4,
                  max_length=32)
    task = tune(TuneConfig(train=str(good), output=str(root / "task"), task="classify",
                           **common))
    lang = tune(TuneConfig(train=str(good), output=str(root / "lang"), text_field="text",
                           **common))
    return {"root": root, "models": models, "good": good, "task": task.adapter_dir,
            "lang": lang.adapter_dir}


def _docs(tmp_path, second_line):
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"text": "এক দুই", "summary": "এক"}, ensure_ascii=False) + "\n"
                    + second_line + "\n", encoding="utf-8")
    return path


def _labelled(tmp_path, second):
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps({"text": "এক দুই", "label": "bn"}, ensure_ascii=False) + "\n"
                    + json.dumps(second, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _ner(tmp_path, second):
    path = tmp_path / "data.jsonl"
    path.write_text(json.dumps({"tokens": ["এক", "2"], "tags": ["O", "B-NUM"]},
                               ensure_ascii=False) + "\n" + json.dumps(second) + "\n",
                    encoding="utf-8")
    return path


# id -> (model family, data maker (tmp_path -> file), extra arguments, names the line must
# hold, exit code)
TUNE_CASES = {
    "summary-missing": ("mt5", lambda t: _docs(t, '{"text": "তিন"}'), [],
                        ["docs.jsonl:2", "missing field 'summary'"], 1),
    "summary-not-text": ("mt5", lambda t: _docs(t, '{"text": "তিন", "summary": 3}'), [],
                         ["docs.jsonl:2", "'summary' must be a string"], 1),
    "neither-summary-nor-pair": ("mbart", lambda t: _docs(t, '{"article": "তিন"}'), [],
                                 ["docs.jsonl:2", "not a seq2seq example"], 1),
    "not-json": ("mt5", lambda t: _docs(t, '{"text": '), [], ["docs.jsonl:2", "JSON"], 1),
    "clm-on-mt5": ("mt5", lambda t: _docs(t, '{"text": "a", "summary": "b"}'),
                   ["--objective", "clm"], ["objective 'clm' does not fit a mt5 model"], 2),
    "unknown-mbart-language": ("mbart", lambda t: _docs(t, '{"text": "a", "summary": "b"}'),
                               ["--tgt-lang", "xx"], ["--tgt-lang 'xx'"], 2),
    "task-on-seq2seq-model": ("mt5", lambda t: _labelled(t, {"text": "a", "label": "en"}),
                              ["--task", "classify"], ["needs an encoder, not a mt5 model"], 2),
    "label-missing": ("bert", lambda t: _labelled(t, {"text": "a"}), ["--task", "classify"],
                      ["data.jsonl:2", "missing field 'label'"], 1),
    "one-label-only": ("bert", lambda t: _labelled(t, {"text": "a", "label": "bn"}),
                       ["--task", "classify"], ["data.jsonl", "only one label (bn)"], 1),
    "tags-not-one-per-token": ("bert", lambda t: _ner(t, {"tokens": ["a", "b"], "tags": ["O"]}),
                               ["--task", "ner"], ["data.jsonl:2", "2 tokens but 1 tags"], 1),
    "unknown-task": ("bert", lambda t: _labelled(t, {"text": "a", "label": "en"}),
                     ["--task", "sentiment"], ["unknown task 'sentiment'"], 2),
    "task-with-merge": ("bert", lambda t: _labelled(t, {"text": "a", "label": "en"}),
                        ["--task", "classify", "--merge"], ["--merge"], 2),
}


@pytest.mark.parametrize("case", list(TUNE_CASES))
def test_tune_bad_input(case, env, tmp_path):
    family, make, extra, names, code = TUNE_CASES[case]
    data = make(tmp_path)
    earlier_output(tmp_path / "out", "tune")
    before = snapshot(tmp_path)
    res = lrtk("tune", "--model", env["models"](family), "--train", data, "--steps", "1",
               *extra, "-o", tmp_path / "out")
    assert_one_line_error(res, *names, code=code)
    assert_unchanged(tmp_path, before)


def test_tune_full_with_a_language_adapter_is_refused(env, tmp_path):
    earlier_output(tmp_path / "out", "tune")
    before = snapshot(tmp_path)
    res = lrtk("tune", "--model", env["models"]("bert"), "--train", env["good"], "--method",
               "full", "--language-adapter", env["lang"], "-o", tmp_path / "out")
    assert_one_line_error(res, "--method full", code=2)
    assert_unchanged(tmp_path, before)


def _eval_task(env, tmp_path, adapter, test):
    return ["eval", "--task", "classify", "--model", env["models"]("bert"), "--adapter",
            adapter, "--test", test, "--report", tmp_path / "report.json"]


def _hyps(tmp_path, *texts):
    for name, text in zip(("a.txt", "b.jsonl"), texts):
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "ref.txt").write_text("এক\n", encoding="utf-8")
    return tmp_path


ONE = "এক\n"

# id -> (arguments (env, tmp_path) -> list, names, exit code)
EVAL_CASES = {
    "label-the-head-never-saw": (
        lambda e, t: _eval_task(e, t, e["task"], _labelled(t, {"text": "a", "label": "ne"})),
        ["data.jsonl:2", "label 'ne' is not one the head was trained on"], 1),
    "not-a-task-adapter": (
        lambda e, t: _eval_task(e, t, e["lang"], e["good"]),
        ["not a task adapter", "adapter"], 2),
    "task-record-bad": (
        lambda e, t: _eval_task(e, t, e["task"], _labelled(t, {"label": "bn"})),
        ["data.jsonl:2", "missing field 'text'"], 1),
    "bertscore-without-model": (
        lambda e, t: ["eval", "--metric", "bertscore", "--hyp", _hyps(t, "এক\n") / "a.txt",
                      "--ref", t / "ref.txt", "--report", t / "report.json"],
        ["--bertscore-model"], 2),
    "bertscore-model-not-an-encoder": (
        lambda e, t: ["eval", "--metric", "bertscore", "--hyp", _hyps(t, "এক\n") / "a.txt",
                      "--ref", t / "ref.txt", "--bertscore-model", e["models"]("mt5"),
                      "--report", t / "report.json"],
        ["mt5-unigram", "not an encoder"], 2),
    "two-systems-one-name": (
        lambda e, t: ["eval", "--metric", "rouge1", "--hyp", f"x={_hyps(t, ONE) / 'a.txt'}",
                      "--hyp", f"x={t / 'a.txt'}", "--ref", t / "ref.txt",
                      "--report", t / "report.json"],
        ["two --hyp systems named 'x'"], 2),
    "jsonl-hypothesis-without-a-summary": (
        lambda e, t: ["eval", "--metric", "rouge1", "--hyp",
                      _hyps(t, "এক\n", '{"id": 1, "text": "এক"}\n') / "b.jsonl",
                      "--ref", t / "ref.txt", "--report", t / "report.json"],
        ["b.jsonl:1", "no string field 'output' or 'summary'"], 1),
}


@pytest.mark.parametrize("case", list(EVAL_CASES))
def test_eval_bad_input(case, env, tmp_path):
    args, names, code = EVAL_CASES[case]
    argv = args(env, tmp_path)
    before = snapshot(tmp_path)
    res = lrtk(*argv)
    assert_one_line_error(res, *names, code=code)
    assert_unchanged(tmp_path, before)
    assert not (tmp_path / "report.json").exists()


def test_generate_beams_and_sampling_are_exclusive(env, tmp_path):
    before = snapshot(tmp_path)
    res = lrtk("generate", "--model", env["models"]("mt5"), "--prompt", "এক",
               "--temperature", "0.7",
               "--num-beams", "2", "-o", tmp_path / "out.jsonl")
    assert_one_line_error(res, "--num-beams", code=2)
    assert_unchanged(tmp_path, before)
