"""lrtk taco build (chains, --translate-cmd, translation pairs) and chain extraction."""

from __future__ import annotations

import json
import sys

import pytest

from lrtk.taco import extract_response
from lrtk.taco.chain import EMPTY, NO_CHAIN, NO_TARGET, OK

N = 12


def tico_pairs(shared, n=N + 1):
    d = shared("tico19", "en-ne")
    en = (d / "tico19-test.en").read_text(encoding="utf-8").splitlines()[:n]
    ne = (d / "tico19-test.ne").read_text(encoding="utf-8").splitlines()[:n]
    return en, ne


def dialogue_instructions(shared, with_translations: bool) -> list[dict]:
    """Instruction data made from TICO-19's opening doctor-patient dialogue: line i is the
    instruction and line i+1, the turn that answers it, is the response; the Nepali side of
    the same lines gives the target-language fields."""
    en, ne = tico_pairs(shared)
    recs = []
    for i in range(N):
        rec = {"id": f"dlg{i}", "instruction": en[i], "response": en[i + 1]}
        if with_translations:
            rec.update(instruction_ne=ne[i], response_ne=ne[i + 1])
        recs.append(rec)
    return recs


def write_jsonl(path, recs):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs),
                    encoding="utf-8")
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def tico_translator(shared, tmp_path):
    """A real translation command: looks each English line up in TICO-19 en-ne, exits 3 on a
    line it does not know."""
    d = shared("tico19", "en-ne")
    script = tmp_path / "tico_mt.py"
    script.write_text(f"""
import sys
en = open({str(d / 'tico19-test.en')!r}, encoding='utf-8').read().splitlines()
ne = open({str(d / 'tico19-test.ne')!r}, encoding='utf-8').read().splitlines()
table = dict(zip(en, ne))
assert sys.argv[1:] == ['en', 'ne'], sys.argv
for line in sys.stdin.read().splitlines():
    if line not in table:
        sys.exit('unknown line: ' + line[:30])
    print(table[line])
""", encoding="utf-8")
    return f"{sys.executable} {script} {{src}} {{tgt}}"


def test_build_writes_three_part_chains(shared, tmp_path, run_cli):
    src = write_jsonl(tmp_path / "inst.jsonl", dialogue_instructions(shared, True))
    out = tmp_path / "taco.jsonl"
    code, _, err = run_cli("taco", "build", "--instructions", src, "--tgt-lang", "ne", "-o", out)
    assert code == 0, err
    examples = read_jsonl(out)
    en, ne = tico_pairs(shared)
    assert len(examples) == N and "12 taco examples" in err
    first = examples[0]
    assert first["prompt"] == f"### Instruction:\n{ne[0]}\n\n### Response:\n"
    assert first["target"].split("\n") == [
        f"Instruction in English: {en[0]}",
        f"Response in English: {en[1]}",
        f"Response in Nepali: {ne[1]}",
    ]
    assert first["task"] == "taco" and first["meta"]["translated"] == []
    # What a model learns to write, the extractor reads back.
    assert all(extract_response(ex["target"], "Nepali").output == ne[i + 1]
               for i, ex in enumerate(examples))


def test_translate_cmd_fills_missing_fields_identically(shared, tmp_path, run_cli,
                                                        tico_translator):
    with_fields = write_jsonl(tmp_path / "a.jsonl", dialogue_instructions(shared, True))
    without = write_jsonl(tmp_path / "b.jsonl", dialogue_instructions(shared, False))
    run_cli("taco", "build", "--instructions", with_fields, "--tgt-lang", "ne", "-o", tmp_path / "a.out")
    code, _, err = run_cli("taco", "build", "--instructions", without, "--tgt-lang", "ne",
                           "--translate-cmd", tico_translator, "-o", tmp_path / "b.out")
    assert code == 0, err
    a, b = read_jsonl(tmp_path / "a.out"), read_jsonl(tmp_path / "b.out")
    assert [x["target"] for x in a] == [x["target"] for x in b]
    assert [x["prompt"] for x in a] == [x["prompt"] for x in b]
    assert b[0]["meta"]["translated"] == ["instruction_ne", "response_ne"]


def test_translate_cmd_failure_is_one_line_and_no_output(shared, tmp_path, run_cli,
                                                         tico_translator):
    recs = dialogue_instructions(shared, False)
    recs[3]["response"] = "a sentence that is not in TICO-19"
    src = write_jsonl(tmp_path / "b.jsonl", recs)
    out = tmp_path / "out.jsonl"
    code, stdout, err = run_cli("taco", "build", "--instructions", src, "--tgt-lang", "ne",
                                "--translate-cmd", tico_translator, "-o", out)
    assert code == 1 and not out.exists() and stdout == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "translate command failed with exit code 1: unknown line: a sentence" in lines[0]


def test_translate_cmd_wrong_line_count(shared, tmp_path, run_cli):
    src = write_jsonl(tmp_path / "b.jsonl", dialogue_instructions(shared, False))
    code, _, err = run_cli("taco", "build", "--instructions", src, "--tgt-lang", "ne",
                           "--translate-cmd", "head -n 3", "-o", tmp_path / "o.jsonl")
    assert code == 1
    assert f"returned 3 lines for {2 * N} input lines" in err


def test_missing_translation_without_command_names_file_and_line(shared, tmp_path, run_cli):
    recs = dialogue_instructions(shared, True)
    del recs[4]["response_ne"]
    src = write_jsonl(tmp_path / "a.jsonl", recs)
    code, _, err = run_cli("taco", "build", "--instructions", src, "--tgt-lang", "ne", "-o", tmp_path / "o")
    assert code == 1
    assert err.startswith(f"lrtk: error: {src}:5: missing field 'response_ne'")


def test_translation_examples_in_both_directions(shared, tmp_path, run_cli):
    en, ne = tico_pairs(shared)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("".join(f"{a}\t{b}\n" for a, b in zip(en, ne)), encoding="utf-8")
    code, out, err = run_cli("taco", "build", "--pairs", pairs, "--pairs-format", "tsv",
                             "--tgt-lang", "ne")
    assert code == 0, err
    examples = [json.loads(line) for line in out.splitlines()]
    assert len(examples) == 2 * len(en)
    to_ne, to_en = examples[0], examples[1]
    assert to_ne["prompt"].startswith("### Instruction:\nTranslate the following English text "
                                      f"into Nepali.\n{en[0]}")
    assert to_ne["target"] == ne[0] and to_ne["lang"] == "ne"
    assert to_en["target"] == en[0] and ne[0] in to_en["prompt"]
    assert "into English" in to_en["prompt"]


def test_unknown_language_needs_lang_name(shared, tmp_path, run_cli):
    src = write_jsonl(tmp_path / "a.jsonl", [{"instruction": "x", "response": "y",
                                             "instruction_xx": "x", "response_xx": "y"}])
    code, _, err = run_cli("taco", "build", "--instructions", src, "--tgt-lang", "xx")
    assert code == 2 and "--lang-name" in err
    code, out, _ = run_cli("taco", "build", "--instructions", src, "--tgt-lang", "xx", "--lang-name", "Xish")
    assert code == 0 and "Response in Xish: y" in out


# --- extraction -----------------------------------------------------------------------------

CHAIN = ("Instruction in English: how long?\nResponse in English: two days\n"
         "Response in Nepali: दुई दिन")


@pytest.mark.parametrize("text, output, status", [
    (CHAIN, "दुई दिन", OK),
    # a model that starts a second chain after answering: stop at the next label
    (CHAIN + "\nInstruction in English: and then?", "दुई दिन", OK),
    # label case and spacing drift
    ("instruction in english: a\nresponse in english: b\nRESPONSE IN  NEPALI :  ग", "ग", OK),
    # another name for the language: the last non-English response is taken
    ("Response in English: b\nResponse in Nepalese: ग", "ग", OK),
    # chain cut off before the target part
    ("Instruction in English: how long?\nResponse in English: two days", "", NO_TARGET),
    # target label with nothing after it
    ("Response in English: two days\nResponse in Nepali:   \n", "", EMPTY),
    # no chain at all: the model answered directly
    ("  दुई दिन \n", "दुई दिन", NO_CHAIN),
    ("", "", EMPTY),
])
def test_extract_response(text, output, status):
    parsed = extract_response(text, "Nepali")
    assert (parsed.output, parsed.status) == (output, status)


def test_tsv_instructions_equal_jsonl(shared, tmp_path, run_cli):
    recs = dialogue_instructions(shared, True)
    src = write_jsonl(tmp_path / "a.jsonl", recs)
    tsv = tmp_path / "a.tsv"
    tsv.write_text("".join("\t".join((r["instruction"], r["response"], r["instruction_ne"],
                                      r["response_ne"])) + "\n" for r in recs), encoding="utf-8")
    _, from_jsonl, _ = run_cli("taco", "build", "--instructions", src, "--tgt-lang", "ne")
    code, from_tsv, err = run_cli("taco", "build", "--instructions", tsv, "--instructions-format", "tsv",
                                  "--tgt-lang", "ne")
    assert code == 0, err
    strip = [{k: v for k, v in json.loads(line).items() if k not in ("id", "meta")}
             for line in from_jsonl.splitlines()]
    assert strip == [{k: v for k, v in json.loads(line).items() if k not in ("id", "meta")}
                     for line in from_tsv.splitlines()]


def test_dialogue_pairs_give_the_same_chains_as_instruction_records(shared, tmp_path, run_cli):
    # The corpus direction (ne->en records, as lrtk corpus build writes them) does not matter:
    # the English side is found by the pairs' languages.
    en, ne = tico_pairs(shared)
    pairs = write_jsonl(tmp_path / "pairs.jsonl", [
        {"id": f"p{i}", "src": ne[i], "tgt": en[i], "src_lang": "ne", "tgt_lang": "en"}
        for i in range(N + 1)])
    code, from_dialogue, err = run_cli("taco", "build", "--dialogue", pairs, "--src-lang", "ne",
                                       "--tgt-lang", "ne")
    assert code == 0, err
    inst = write_jsonl(tmp_path / "inst.jsonl", dialogue_instructions(shared, True))
    _, from_instructions, _ = run_cli("taco", "build", "--instructions", inst, "--tgt-lang", "ne")

    def chains(out):
        return [(r["prompt"], r["target"]) for r in map(json.loads, out.splitlines())]
    assert len(chains(from_dialogue)) == N
    assert chains(from_dialogue) == chains(from_instructions)


def test_pairs_need_two_languages(tmp_path, run_cli):
    pairs = write_jsonl(tmp_path / "p.jsonl", [{"src": "a", "tgt": "b"}])
    code, _, err = run_cli("taco", "build", "--pairs", pairs, "--src-lang", "bn", "--tgt-lang", "bn")
    assert code == 1 and f"{pairs}:1: both sides of the pair are 'bn'" in err
    other = write_jsonl(tmp_path / "q.jsonl", [{"src": "a", "tgt": "b", "src_lang": "hi",
                                               "tgt_lang": "ne"}])
    code, _, err = run_cli("taco", "build", "--dialogue", other, "--tgt-lang", "ne")
    assert code == 1 and "a dialogue pair must be English and 'ne', not 'hi' and 'ne'" in err
