"""`lrtk align` end to end on real data: Text+Berg gold, perturbed TICO-19 documents, a real
translation command, and the input mistakes a run must survive."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

from lrtk.align.beads import Bead, read_beads
from lrtk.align.perturb import merge_and_drop, perturbed_set, tico_documents
from lrtk.align.scoring import score_alignments

TRANSLATOR = """\
import sys
# Word-by-word translation with a dictionary file (source<TAB>target<TAB>p), best entry wins.
best = {}
for line in open(sys.argv[1], encoding="utf-8"):
    src, tgt, p = line.rstrip("\\n").split("\\t")
    if float(p) > best.get(src, ("", -1.0))[1]:
        best[src] = (tgt, float(p))
for line in sys.stdin:
    words = line.lower().split()
    print(" ".join(best.get(w.strip(".,?!:;।"), (w, 0))[0] for w in words))
"""


def _score_table(out: str) -> dict[str, tuple[float, float]]:
    """system -> (strict F1, lax F1) from `lrtk align score` output."""
    rows = {}
    for line in out.splitlines()[1:]:
        name, *cols = line.split()
        rows[name] = (float(cols[2]), float(cols[5]))
    return rows


def test_textberg_gold_scores_per_aligner_and_ensemble(run_cli, shared, tmp_path):
    root = shared("textberg_defr_dev")
    beads = tmp_path / "ensemble.beads"
    code, out, err = run_cli("align", "--src-lang", "de", "--tgt-lang", "fr",
                             "--src", root / "dev.de", "--tgt", root / "dev.fr",
                             "--output-format", "beads", "-o", beads,
                             "--save-aligners", tmp_path, "--report", tmp_path / "r.json")
    assert code == 0, err
    assert out == ""  # beads went to the file, the summary to stderr
    preds = [f"ensemble={beads}"] + [f"{n}={tmp_path / n}.beads"
                                     for n in ("lexical", "embedding", "length")]
    code, out, err = run_cli("align", "score", "--gold", root / "dev.defr",
                             *[a for p in preds for a in ("--pred", p)])
    assert code == 0, err
    table = _score_table(out)
    strict = {name: f1 for name, (f1, _) in table.items()}
    # Measured: ensemble 0.854 strict / 0.978 lax; embedding 0.846, lexical 0.823, length
    # 0.730 strict. The target: strict F1 >= 0.85 and above every single aligner.
    assert strict["ensemble"] >= 0.85 and table["ensemble"][1] >= 0.95
    assert strict["ensemble"] > max(strict["lexical"], strict["embedding"], strict["length"])
    precision = {name: p for name, p in _strict_precision(out).items()}
    assert all(precision["ensemble"] > precision[n] for n in ("lexical", "embedding", "length"))
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["aligners"] == ["lexical", "embedding", "length"] and report["min_votes"] == 2


def _strict_precision(out: str) -> dict[str, float]:
    return {line.split()[0]: float(line.split()[1]) for line in out.splitlines()[1:]}


def _write_segmented(path: Path, lang: str, docs: dict[str, list[str]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for doc_id, sents in docs.items():
            fh.write(json.dumps({"id": doc_id, "lang": lang, "sentences": sents,
                                 "spans": []}, ensure_ascii=False) + "\n")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tico-bn", "tico-ne", "flores-ne", "flores-si"])
def test_perturbed_documents_are_recovered(run_cli, shared, tmp_path, name):
    """TICO-19 and FLORES v1 Wikipedia articles (ne-en, and si-en held out: no constant was
    chosen on it), 10% of target sentences merged and 5% dropped."""
    docs, golds = perturbed_set(shared(), name)
    lang = docs[0].tgt_lang
    _write_segmented(tmp_path / "en.jsonl", "en", {d.id: list(d.src) for d in docs})
    _write_segmented(tmp_path / f"{lang}.jsonl", lang, {d.id: list(d.tgt) for d in docs})
    code, _, err = run_cli("align", "--src-lang", "en", "--tgt-lang", lang,
                           "--src-docs", tmp_path / "en.jsonl",
                           "--tgt-docs", tmp_path / f"{lang}.jsonl",
                           "--output-format", "beads", "-o", tmp_path / "out.beads",
                           "--save-aligners", tmp_path)
    assert code == 0, err
    score = score_alignments(golds, read_beads(tmp_path / "out.beads"))
    for aligner in ("lexical", "embedding", "length"):  # shown with pytest -s (docs/align.md)
        single = score_alignments(golds, read_beads(tmp_path / f"{aligner}.beads"))
        print(f"{name} {aligner}: strict F1 {single.strict_f1:.3f}, lax F1 {single.lax_f1:.3f}")
    print(f"{name} ensemble: strict F1 {score.strict_f1:.3f}, lax F1 {score.lax_f1:.3f}")
    # Measured: tico-bn 0.987, tico-ne 0.992, flores-ne 0.956, flores-si 0.981 (0.974, 0.980,
    # 0.939, 0.968 with the fixed length weight 0.05; issue 18's goal is 0.95).
    assert score.strict_f1 >= 0.95, score


def test_translation_aligner_with_a_translate_command(run_cli, shared, tmp_path):
    from lrtk.lexicon import IBMModel1, words

    docs = tico_documents(shared(), "bn")
    test_id = "PubMed_6"
    train = [(words(b), words(e)) for d, (ens, bns) in docs.items() if d != test_id
             for e, b in zip(ens, bns)]
    IBMModel1.train(train).to_dictionary(min_prob=0.2).save(tmp_path / "bn-en.tsv")
    (tmp_path / "translate.py").write_text(TRANSLATOR, encoding="utf-8")
    en, bn = docs[test_id]
    bn_perturbed, gold = merge_and_drop(bn, random.Random(3))
    # bn -> en: the command translates the Bengali source into English.
    (tmp_path / "bn.txt").write_text("\n".join(bn_perturbed) + "\n", encoding="utf-8")
    (tmp_path / "en.txt").write_text("\n".join(en) + "\n", encoding="utf-8")
    flipped = [Bead(b.tgt, b.src) for b in gold]
    cmd = f"{sys.executable} {tmp_path / 'translate.py'} {tmp_path / 'bn-en.tsv'}"
    code, out, err = run_cli("align", "--src-lang", "bn", "--tgt-lang", "en",
                             "--src", tmp_path / "bn.txt", "--tgt", tmp_path / "en.txt",
                             "--aligners", "translation", "--translate-cmd", cmd)
    assert code == 0, err
    pairs = [json.loads(line) for line in out.splitlines()]
    assert all(p["meta"]["aligners"] == ["translation"] for p in pairs)
    pred = [Bead(tuple(p["meta"]["src_idx"]), tuple(p["meta"]["tgt_idx"])) for p in pairs]
    assert score_alignments([flipped], [pred]).strict_f1 >= 0.85
    # The same translations from a file give the same pairs.
    import subprocess

    translated = subprocess.run(cmd.split(), input=(tmp_path / "bn.txt").read_text(),
                                capture_output=True, text=True, check=True).stdout
    (tmp_path / "bn.en.txt").write_text(translated, encoding="utf-8")
    code, again, _ = run_cli("align", "--src-lang", "bn", "--tgt-lang", "en",
                             "--src", tmp_path / "bn.txt", "--tgt", tmp_path / "en.txt",
                             "--aligners", "translation", "--translations", tmp_path / "bn.en.txt")
    assert code == 0 and again == out


def _docs_file(path: Path, lang: str, docs: dict[str, list[str]]) -> Path:
    _write_segmented(path, lang, docs)
    return path


EN = ["The virus spreads quickly.", "Wash your hands with soap.", "Call 911 if you have a fever.",
      "Stay at home.", "The World Health Organization published new advice in 2020."]
BN = ["ভাইরাসটি দ্রুত ছড়ায়।", "সাবান দিয়ে হাত ধুয়ে নিন।", "জ্বর হলে ৯১১ নম্বরে ফোন করুন।",
      "বাড়িতে থাকুন।", "বিশ্ব স্বাস্থ্য সংস্থা ২০২০ সালে নতুন পরামর্শ প্রকাশ করেছে।"]


def test_pairs_output_mismatched_ids_empty_and_overlong(run_cli, tmp_path):
    src = _docs_file(tmp_path / "en.jsonl", "en",
                     {"d1": EN, "only-en": EN[:2], "empty": [], "long": ["x" * 3000, *EN[:2]]})
    tgt = _docs_file(tmp_path / "bn.jsonl", "bn",
                     {"d1": BN, "only-bn": BN[:1], "empty": BN[:2], "long": ["y" * 3000, *BN[:2]]})
    args = ("align", "--src-lang", "en", "--tgt-lang", "bn", "--src-docs", src, "--tgt-docs", tgt,
            "--report", tmp_path / "r.json")
    code, out, err = run_cli(*args)
    assert code == 0, err
    assert "only in the source file" in err and "only-en" in err and "only-bn" in err
    pairs = [json.loads(line) for line in out.splitlines()]
    d1 = [p for p in pairs if p["meta"]["doc"] == "d1"]
    assert [(p["src"], p["tgt"]) for p in d1] == list(zip(EN, BN))
    assert d1[2]["id"] == "d1:2-2" and d1[2]["src_lang"] == "en" and d1[2]["tgt_lang"] == "bn"
    assert d1[2]["meta"]["votes"] >= 2 and set(d1[2]["meta"]["costs"]) == set(d1[2]["meta"]["aligners"])
    assert not any(p["meta"]["doc"] == "empty" for p in pairs)
    assert all("x" * 3000 not in p["src"] for p in pairs)
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["src_only_ids"] == ["only-en"] and report["tgt_only_ids"] == ["only-bn"]
    assert report["empty_documents"] == ["empty"] and report["overlong_pairs_dropped"] == 1
    code, again, _ = run_cli(*args)
    assert again == out  # deterministic


def test_document_pair_input_from_stdin(run_cli):
    record = {"id": "d1", "src": {"id": "d1", "lang": "en", "sentences": EN},
              "tgt": {"id": "d1", "lang": "bn", "sentences": BN}}
    code, out, err = run_cli("align", "--src-lang", "en", "--tgt-lang", "bn",
                             "--output-format", "beads", stdin=json.dumps(record) + "\n")
    assert code == 0, err
    assert out.splitlines() == [f"[{i}]:[{i}]" for i in range(5)]


@pytest.mark.parametrize("args,stdin,code,message", [
    (("--aligners", "length,magic"), None, 2, "unknown aligner(s): magic"),
    (("--aligners", "translation"), None, 2, "--translations FILE or --translate-cmd"),
    (("--combine", "most"), None, 2, "unknown --combine"),
    (("--src", "a.txt", "--src-docs", "b.jsonl"), None, 2, "give exactly one input"),
    (("-",), "{not json\n", 1, "<stdin>:1: not valid JSON"),
    (("-",), '{"id": "d", "src": {"sentences": "oops"}, "tgt": {"sentences": []}}\n', 1,
     "<stdin>:1: field 'src.sentences' must be a list of strings"),
])
def test_user_mistakes_are_one_line(run_cli, args, stdin, code, message):
    base = ("align", "--src-lang", "en", "--tgt-lang", "bn")
    if args[0] != "-":
        base += ("-",)
        stdin = stdin or ""
    got, out, err = run_cli(*base, *args, stdin=stdin)
    assert got == code and message in err and "Traceback" not in err and out == ""


def test_wrong_number_of_translations_is_a_data_error(run_cli, tmp_path):
    (tmp_path / "en.txt").write_text("\n".join(EN) + "\n", encoding="utf-8")
    (tmp_path / "bn.txt").write_text("\n".join(BN) + "\n", encoding="utf-8")
    (tmp_path / "tr.txt").write_text("one\ntwo\n", encoding="utf-8")
    code, out, err = run_cli("align", "--src-lang", "en", "--tgt-lang", "bn",
                             "--src", tmp_path / "en.txt", "--tgt", tmp_path / "bn.txt",
                             "--translations", tmp_path / "tr.txt", "-o", tmp_path / "out.jsonl")
    assert code == 1 and "2 translations for 5 source sentences" in err
    assert not (tmp_path / "out.jsonl").exists()


def test_help_has_an_example(run_cli):
    code, out, _ = run_cli("align", "--help")
    assert code == 0 and "lrtk align --src-lang de --tgt-lang fr" in out
    code, out, _ = run_cli("align", "score", "--help")
    assert code == 0 and "--gold" in out
