"""Bad records and corpora, stage by stage (issue 15): every reading stage checks records
against lrtk.io.schema, a truncated .gz is named as such, language codes and sizes are checked
up front. Each case runs `lrtk` in a real process and asserts one error line naming the file
(and line), no traceback, nothing on stdout and the output folder untouched. The positive
tests below pin what used to go wrong silently: a repeated --corpus dropping files, .gz
corpora refused by some stages.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from badinput import (assert_one_line_error, assert_unchanged, assert_usage_error, kit,  # noqa: F401
                      lrtk, snapshot)
from test_export import spm_model  # noqa: F401  (the kit fixture needs it)

OUT = "out"


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def jsonl(path: Path, records: list) -> Path:
    """Records as JSONL; a str item is written as the raw line."""
    return write_lines(path, [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)
                              for r in records])


def truncated_gz(src: Path, dst: Path) -> Path:
    """`src` gzip-compressed with its last half cut off, as an interrupted copy leaves it."""
    data = gzip.compress(src.read_bytes(), mtime=0)
    dst.write_bytes(data[: len(data) // 2])
    return dst


def first_lines(path: Path, n: int) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[:n]


def pairs(k, n: int = 20) -> list[dict]:
    return [json.loads(line) for line in first_lines(k.pairs, n)]


def docs(k) -> list[dict]:
    return [json.loads(line) for line in first_lines(k.docs_bn, 3)]


def segmented(k, lang: str = "bn") -> list[dict]:
    text = first_lines(k.text_bn if lang == "bn" else k.text_en, 6)
    return [{"id": "d1", "lang": lang, "sentences": text[:3]},
            {"id": "d2", "lang": lang, "sentences": text[3:]}]


def corpus_config(tmp: Path, *sources: str) -> Path:
    body = "".join(f"  - {{name: s{i}, licence: CC0-1.0, path: {s}}}\n"
                   for i, s in enumerate(sources))
    path = tmp / "corpus.yaml"
    path.write_text("name: bad\nsrc_lang: bn\ntgt_lang: en\nsources:\n" + body
                    + "splits: {test: 0.5, train: 0.5}\n", encoding="utf-8")
    return path


def corpus_build(tmp: Path, config: Path) -> list:
    return ["corpus", "build", "-c", config, "-o", f"{OUT}/corpus", "--card", f"{OUT}/card.md"]


# --- the cases: (id, build(tmp, kit) -> (args, names), exit code) --------------------------
# `names` are what the one error line must contain: the file and, where there is one, line.

def _segment_no_id(tmp, k):
    bad = jsonl(tmp / "docs.jsonl", [docs(k)[0], {"lang": "bn", "text": "আমি ভাত খাই।"}])
    return ["segment", "--lang", "bn", bad, "-o", f"{OUT}/sents.jsonl"], [f"{bad}:2", "'id'"]


def _segment_id_list(tmp, k):
    bad = jsonl(tmp / "docs.jsonl", [{"id": ["x"], "lang": "bn", "text": "আমি ভাত খাই।"}])
    return ["segment", "--lang", "bn", bad, "-o", f"{OUT}/sents.jsonl"], [f"{bad}:1", "'id'"]


def _align_pair_id_list(tmp, k):
    s, t = segmented(k, "bn")[0], segmented(k, "en")[0]
    bad = jsonl(tmp / "docpairs.jsonl", [{"id": "ok", "src": s, "tgt": t},
                                         {"id": ["x"], "src": s, "tgt": t}])
    return ["align", "--src-lang", "bn", "--tgt-lang", "en", bad, "-o", f"{OUT}/pairs.jsonl"], \
        [f"{bad}:2", "'id'"]


def _align_sentences_not_list(tmp, k):
    src = jsonl(tmp / "bn.seg.jsonl", [{"id": "d1", "lang": "bn", "sentences": "একটি বাক্য।"}])
    tgt = jsonl(tmp / "en.seg.jsonl", segmented(k, "en"))
    return ["align", "--src-lang", "bn", "--tgt-lang", "en", "--src-docs", src, "--tgt-docs", tgt,
            "-o", f"{OUT}/pairs.jsonl"], [f"{src}:1", "'sentences'"]


def _align_duplicate_doc_id(tmp, k):
    one, two = segmented(k, "en")
    tgt = jsonl(tmp / "en.seg.jsonl", [one, {**two, "id": "d1"}])
    src = jsonl(tmp / "bn.seg.jsonl", segmented(k, "bn"))
    return ["align", "--src-lang", "bn", "--tgt-lang", "en", "--src-docs", src, "--tgt-docs", tgt,
            "-o", f"{OUT}/pairs.jsonl"], [f"{tgt}:2", f"{tgt}:1", "'d1'"]


def _filter_src_number(tmp, k):
    p = pairs(k)
    p[2]["src"] = 12345
    bad = jsonl(tmp / "pairs.jsonl", p)
    return ["filter", "--src-lang", "bn", "--tgt-lang", "en", bad, "-o", f"{OUT}/kept.jsonl"], \
        [f"{bad}:3", "'src'"]


def _corpus_id_reused(tmp, k):
    p = pairs(k, 10)
    a = jsonl(tmp / "a.jsonl", p[:5])
    b = jsonl(tmp / "b.jsonl", [p[5], {**p[6], "id": p[0]["id"]}])  # same id, other pair
    return corpus_build(tmp, corpus_config(tmp, a.name, b.name)), [f"{b}:2", f"{a}:1"]


def _corpus_src_number(tmp, k):
    p = pairs(k, 10)
    p[4]["src"] = 12345
    a = jsonl(tmp / "a.jsonl", p)
    return corpus_build(tmp, corpus_config(tmp, a.name)), [f"{a}:5", "'src'"]


def _sample_plan_text_number(tmp, k):
    bad = jsonl(tmp / "bn.jsonl", [{"id": "1", "text": "এক"}, {"id": "2", "text": 5}])
    return ["sample", "plan", "--corpus", f"bn={bad}", "--corpus", f"en={k.text_en}",
            "--report", f"{OUT}/plan.json"], [f"{bad}:2", "'text'"]


def _tokenizer_text_null(tmp, k):
    bad = jsonl(tmp / "bn.jsonl", [{"text": first_lines(k.text_bn, 1)[0]}, {"text": None}])
    return ["tokenizer", "train", "--corpus", f"bn={bad}", "--vocab-size", "500",
            "-o", f"{OUT}/spm"], [f"{bad}:2", "'text'"]


def _train_text_list(tmp, k):
    bad = jsonl(tmp / "en.jsonl", [{"text": "one"}, {"text": ["two"]}])
    return ["train", "--tokenizer", k.spm, "--corpus", f"en={bad}", "--steps", "1",
            "--batch-size", "1", "-o", f"{OUT}/lm"], [f"{bad}:2", "'text'"]


def _tune_src_number(tmp, k):
    p = pairs(k)
    p[1]["src"] = 12345
    bad = jsonl(tmp / "pairs.jsonl", p)
    return ["tune", "--model", k.hf, "--train", bad, "--objective", "translation",
            "--steps", "1", "-o", f"{OUT}/tuned"], [f"{bad}:2", "'src'"]


def _eval_src_number(tmp, k):
    p = pairs(k, 4)
    p[3]["src"] = 12345
    bad = jsonl(tmp / "test.jsonl", p)
    return ["eval", "--model", k.hf, "--test", bad, "--tgt-lang", "bn",
            "--report", f"{OUT}/eval.json"], [f"{bad}:4", "'src'"]


def _taco_pairs_src_number(tmp, k):
    p = pairs(k, 4)
    p[0]["src"] = 12345
    bad = jsonl(tmp / "pairs.jsonl", p)
    return ["taco", "build", "--pairs", bad, "--src-lang", "bn", "--tgt-lang", "ne",
            "-o", f"{OUT}/taco.jsonl"], [f"{bad}:1", "'src'"]


def _taco_instruction_number(tmp, k):
    bad = jsonl(tmp / "inst.jsonl", [{"id": "i1", "instruction": 7, "response": "Yes.",
                                      "instruction_ne": "के?", "response_ne": "हो।"}])
    return ["taco", "build", "--instructions", bad, "--tgt-lang", "ne", "-o", f"{OUT}/taco.jsonl"], \
        [f"{bad}:1", "'instruction'"]


# truncated .gz, every stage that reads files
def _gz_segment(tmp, k):
    bad = truncated_gz(k.docs_bn, tmp / "docs.jsonl.gz")
    return ["segment", "--lang", "bn", bad, "-o", f"{OUT}/sents.jsonl"], [str(bad), "truncated"]


def _gz_align(tmp, k):
    bad = truncated_gz(k.text_bn, tmp / "bn.txt.gz")
    return ["align", "--src-lang", "bn", "--tgt-lang", "en", "--src", bad, "--tgt", k.text_en,
            "-o", f"{OUT}/pairs.jsonl"], [str(bad), "truncated"]


def _gz_filter(tmp, k):
    bad = truncated_gz(k.pairs, tmp / "pairs.jsonl.gz")
    return ["filter", "--src-lang", "bn", "--tgt-lang", "en", bad, "-o", f"{OUT}/kept.jsonl"], \
        [str(bad), "truncated"]


def _gz_corpus(tmp, k):
    bad = truncated_gz(k.pairs, tmp / "pairs.jsonl.gz")
    return corpus_build(tmp, corpus_config(tmp, bad.name)), [str(bad), "truncated"]


def _gz_sample_plan(tmp, k):
    bad = truncated_gz(k.text_bn, tmp / "bn.txt.gz")
    return ["sample", "plan", "--corpus", f"bn={bad}", "--corpus", f"en={k.text_en}",
            "--report", f"{OUT}/plan.json"], [str(bad), "truncated"]


def _gz_sample_draw(tmp, k):
    good = tmp / "bn.txt.gz"
    good.write_bytes(gzip.compress(k.text_bn.read_bytes(), mtime=0))
    plan = tmp / "plan.json"
    assert lrtk("sample", "plan", "--corpus", f"bn={good}", "--corpus", f"en={k.text_en}",
                "--report", plan).code == 0
    truncated_gz(k.text_bn, good)  # damaged after planning
    return ["sample", "draw", "--plan", plan, "-o", f"{OUT}/mix.jsonl"], [str(good), "truncated"]


def _gz_tokenizer(tmp, k):
    bad = truncated_gz(k.text_bn, tmp / "bn.txt.gz")
    return ["tokenizer", "train", "--corpus", f"bn={bad}", "--vocab-size", "500",
            "-o", f"{OUT}/spm"], [str(bad), "truncated"]


def _gz_train(tmp, k):
    bad = truncated_gz(k.text_en, tmp / "en.txt.gz")
    return ["train", "--tokenizer", k.spm, "--corpus", f"en={bad}", "--steps", "1",
            "--batch-size", "1", "-o", f"{OUT}/lm"], [str(bad), "truncated"]


def _gz_tune(tmp, k):
    bad = truncated_gz(k.text_en, tmp / "en.txt.gz")
    return ["tune", "--model", k.hf, "--train", bad, "--steps", "1", "-o", f"{OUT}/tuned"], \
        [str(bad), "truncated"]


def _gz_eval(tmp, k):
    bad = truncated_gz(k.text_en, tmp / "hyp.txt.gz")
    return ["eval", "--hyp", bad, "--ref", k.text_en, "--report", f"{OUT}/eval.json"], \
        [str(bad), "truncated"]


def _gz_taco(tmp, k):
    bad = truncated_gz(k.pairs, tmp / "pairs.jsonl.gz")
    return ["taco", "build", "--pairs", bad, "--src-lang", "bn", "--tgt-lang", "ne",
            "-o", f"{OUT}/taco.jsonl"], [str(bad), "truncated"]


# languages and sizes
def _align_unknown_lang(tmp, k):
    return ["align", "--src-lang", "xx", "--tgt-lang", "en", "--src", k.text_bn,
            "--tgt", k.text_en, "-o", f"{OUT}/pairs.jsonl"], ["'xx'", "--src-lang", "known: "]


def _align_docs_lang_mismatch(tmp, k):
    src = jsonl(tmp / "bn.seg.jsonl", segmented(k, "bn"))
    tgt = jsonl(tmp / "en.seg.jsonl", segmented(k, "en"))
    return ["align", "--src-lang", "ne", "--tgt-lang", "en", "--src-docs", src, "--tgt-docs", tgt,
            "-o", f"{OUT}/pairs.jsonl"], [f"{src}:1", "'bn'", "--src-lang"]


def _align_pair_lang_mismatch(tmp, k):
    s, t = segmented(k, "bn")[0], segmented(k, "en")[0]
    bad = jsonl(tmp / "docpairs.jsonl", [{"id": "a", "src": s, "tgt": t},
                                         {"id": "b", "src": s, "tgt": {**t, "lang": "fr"}}])
    return ["align", "--src-lang", "bn", "--tgt-lang", "en", bad, "-o", f"{OUT}/pairs.jsonl"], \
        [f"{bad}:2", "tgt.lang", "'fr'"]


def _tokenizer_vocab_zero(tmp, k):
    return ["tokenizer", "train", "--corpus", f"bn={k.text_bn}", "--vocab-size", "0",
            "-o", f"{OUT}/spm"], ["--vocab-size 0", "fixed pieces"]


def _tokenizer_vocab_too_big(tmp, k):
    return ["tokenizer", "train", "--corpus", f"bn={k.text_bn}", "--vocab-size", "90000",
            "-o", f"{OUT}/spm"], ["--vocab-size 90000", "at most"]


def _tokenizer_vocab_below_chars(tmp, k):
    return ["tokenizer", "train", "--corpus", f"bn={k.text_bn}", "--vocab-size", "265",
            "-o", f"{OUT}/spm"], ["--vocab-size 265", "--character-coverage"]


CASES = [
    ("segment-no-id", _segment_no_id, 1),
    ("segment-id-list", _segment_id_list, 1),
    ("align-pair-id-list", _align_pair_id_list, 1),
    ("align-sentences-not-list", _align_sentences_not_list, 1),
    ("align-duplicate-doc-id", _align_duplicate_doc_id, 1),
    ("filter-src-number", _filter_src_number, 1),
    ("corpus-id-reused-for-other-pair", _corpus_id_reused, 1),
    ("corpus-src-number", _corpus_src_number, 1),
    ("sample-plan-text-number", _sample_plan_text_number, 1),
    ("tokenizer-text-null", _tokenizer_text_null, 1),
    ("train-text-list", _train_text_list, 1),
    ("tune-src-number", _tune_src_number, 1),
    ("eval-model-src-number", _eval_src_number, 1),
    ("taco-pairs-src-number", _taco_pairs_src_number, 1),
    ("taco-instruction-number", _taco_instruction_number, 1),
    ("gz-segment", _gz_segment, 1),
    ("gz-align", _gz_align, 1),
    ("gz-filter", _gz_filter, 1),
    ("gz-corpus-build", _gz_corpus, 1),
    ("gz-sample-plan", _gz_sample_plan, 1),
    ("gz-sample-draw", _gz_sample_draw, 1),
    ("gz-tokenizer-train", _gz_tokenizer, 1),
    ("gz-train", _gz_train, 1),
    ("gz-tune", _gz_tune, 1),
    ("gz-eval", _gz_eval, 1),
    ("gz-taco", _gz_taco, 1),
    ("align-unknown-lang", _align_unknown_lang, 2),
    ("align-docs-lang-mismatch", _align_docs_lang_mismatch, 1),
    ("align-pair-lang-mismatch", _align_pair_lang_mismatch, 1),
    ("tokenizer-vocab-zero", _tokenizer_vocab_zero, 2),
    ("tokenizer-vocab-too-big", _tokenizer_vocab_too_big, 2),
    ("tokenizer-vocab-below-chars", _tokenizer_vocab_below_chars, 2),
]


@pytest.fixture
def out(tmp_path):
    """The output folder, holding a previous run's good output that must survive."""
    folder = tmp_path / OUT
    folder.mkdir()
    (folder / "previous.jsonl").write_text('{"id": "kept", "text": "good"}\n', encoding="utf-8")
    return folder


@pytest.mark.parametrize("build,code", [(b, c) for _, b, c in CASES], ids=[i for i, _, _ in CASES])
def test_bad_input_is_one_line(build, code, kit, tmp_path, out):
    args, names = build(tmp_path, kit)
    before = snapshot(out)
    res = lrtk(*args, cwd=tmp_path)
    assert_one_line_error(res, *names, code=code)
    assert res.out == ""
    assert_unchanged(out, before)


def test_eval_bootstrap_below_one_is_refused(kit, tmp_path, out):
    before = snapshot(out)
    res = lrtk("eval", "--hyp", kit.text_en, "--baseline", kit.text_en, "--ref", kit.text_en,
               "--bootstrap", "0", "--report", f"{OUT}/eval.json", cwd=tmp_path)
    assert_usage_error(res, "--bootstrap")
    assert_unchanged(out, before)


# --- what used to be dropped or refused silently --------------------------------------------

def _gz(src: Path, dst: Path) -> Path:
    dst.write_bytes(gzip.compress(src.read_bytes(), mtime=0))
    return dst


def test_repeated_corpus_is_concatenated_in_order(kit, tmp_path):
    lines = first_lines(kit.text_bn, 300)
    a = write_lines(tmp_path / "a.bn", lines[:100])
    b = _gz(write_lines(tmp_path / "b.bn", lines[100:250]), tmp_path / "b.bn.gz")
    plan = tmp_path / "plan.json"
    res = lrtk("sample", "plan", "--corpus", f"bn={a}", "--corpus", f"en={kit.text_en}",
               "--corpus", f"bn={b}", "--report", plan, cwd=tmp_path)
    assert res.code == 0, res.err
    saved = json.loads(plan.read_text(encoding="utf-8"))
    assert saved["lines"] == {"bn": 250, "en": 300}
    assert saved["corpora"][0]["paths"] == ["a.bn", "b.bn.gz"]  # relative to the plan
    # One epoch's draws walk a permutation of both files (the .gz one read at offsets too).
    res = lrtk("sample", "draw", "--plan", plan, "-o", tmp_path / "mix.jsonl", cwd=tmp_path)
    assert res.code == 0, res.err
    drawn = [json.loads(x)["text"] for x in (tmp_path / "mix.jsonl").read_text("utf-8").splitlines()
             if json.loads(x)["lang"] == "bn"]
    assert 150 < len(drawn) <= 250
    assert not Counter(drawn) - Counter(lines[:250])  # no line twice within the epoch
    assert set(drawn) & set(lines[:100]) and set(drawn) & set(lines[100:250])

    res = lrtk("tokenizer", "train", "--corpus", f"bn={a}", "--corpus", f"bn={b}",
               "--vocab-size", "600", "-o", tmp_path / "spm", cwd=tmp_path)
    assert res.code == 0, res.err
    report = json.loads((tmp_path / "spm.json").read_text(encoding="utf-8"))
    assert report["sentences"]["bn"] == {"used": 250, "available": 250}


def test_repeated_corpus_refuses_mixed_formats(kit, tmp_path):
    pj = jsonl(tmp_path / "bn.jsonl", [{"text": "এক"}])
    res = lrtk("sample", "plan", "--corpus", f"bn={kit.text_bn}", "--corpus", f"bn={pj}",
               cwd=tmp_path)
    assert_one_line_error(res, "--corpus bn", "text", "jsonl", code=2)


def test_gz_corpus_trains_the_same_tokenizer(kit, tmp_path):
    """tokenizer train streams a .gz corpus: the model is byte-identical to the plain one."""
    gz = _gz(kit.text_bn, tmp_path / "bn.txt.gz")
    for name, path in (("plain", kit.text_bn), ("gz", gz)):
        res = lrtk("tokenizer", "train", "--corpus", f"bn={path}", "--vocab-size", "600",
                   "-o", tmp_path / name, cwd=tmp_path)
        assert res.code == 0, res.err
    assert (tmp_path / "gz.model").read_bytes() == (tmp_path / "plain.model").read_bytes()


def test_train_reads_gz_and_repeated_corpora(kit, tmp_path):
    lines = first_lines(kit.text_en, 300)
    a = write_lines(tmp_path / "a.en", lines[:150])
    b = _gz(write_lines(tmp_path / "b.en", lines[150:]), tmp_path / "b.en.gz")
    res = lrtk("train", "--tokenizer", kit.spm, "--corpus", f"en={a}", "--corpus", f"en={b}",
               "--eval", f"en={b}", "--eval-examples", "4", "--layers", "1", "--hidden", "16",
               "--heads", "2", "--ctx", "16", "--steps", "2", "--batch-size", "2",
               "-o", tmp_path / "lm", cwd=tmp_path)
    assert res.code == 0, res.err
    report = json.loads((tmp_path / "lm" / "train_report.json").read_text(encoding="utf-8"))
    assert report["languages"] == ["en"]
