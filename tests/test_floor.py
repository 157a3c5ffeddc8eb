"""A floor under every stage that needs nothing outside the checkout: small inline Bengali,
Nepali, Sinhala, Urdu and English text written for these tests, with exact expectations.

The suites on ../shared/data measure quality on real corpora and skip where that folder is
absent; these run everywhere, so a checkout on its own still exercises segment, align, filter,
corpus build, tokenizer train, sample, eval, train, export, run and ppl end to end.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

# Twelve Bengali-English sentence pairs (written for these tests; numbers and names included so
# the lexical signals have something to hold on to).
PAIRS = [
    ("আমি প্রতিদিন সকালে ভাত খাই।", "I eat rice every morning."),
    ("ঢাকায় আজ ৩২ ডিগ্রি তাপমাত্রা ছিল।", "The temperature in Dhaka was 32 degrees today."),
    ("রহিম ২০১৯ সালে স্কুল শেষ করেছে।", "Rahim finished school in 2019."),
    ("বৃষ্টির পরে নদীর পানি বেড়ে যায়।", "The river rises after the rain."),
    ("আমাদের গ্রামে ৫টি পুকুর আছে।", "There are 5 ponds in our village."),
    ("করিম বাজার থেকে ১২টি ডিম কিনেছে।", "Karim bought 12 eggs from the market."),
    ("ডাক্তার বললেন প্রতিদিন ৮ গ্লাস পানি পান করুন।",
     "The doctor said to drink 8 glasses of water every day."),
    ("ট্রেনটি সন্ধ্যা ৭টায় চট্টগ্রাম পৌঁছাবে।", "The train will reach Chittagong at 7 in the evening."),
    ("শিশুরা মাঠে ফুটবল খেলছে।", "The children are playing football in the field."),
    ("এই বইটির দাম ২৫০ টাকা।", "This book costs 250 taka."),
    ("সীমা গতকাল খুলনা থেকে ফিরেছে।", "Sima came back from Khulna yesterday."),
    ("হাসপাতালে ৪০ জন রোগী ভর্তি আছেন।", "40 patients are admitted to the hospital."),
]


def write_lines(path: Path, lines) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                    encoding="utf-8")
    return path


def pair_records(pairs, prefix="p"):
    return [{"id": f"{prefix}{i}", "src": s, "tgt": t, "src_lang": "bn", "tgt_lang": "en"}
            for i, (s, t) in enumerate(pairs)]


@pytest.mark.parametrize("lang, text, sentences", [
    ("bn", "আমি ভাত খাই। তুমি কোথায় যাও? ডা. রহিম আজ আসবেন।",
     ["আমি ভাত খাই।", "তুমি কোথায় যাও?", "ডা. রহিম আজ আসবেন।"]),
    ("ne", "म घर जान्छु। तिमी कहाँ छौ?", ["म घर जान्छु।", "तिमी कहाँ छौ?"]),
    ("ur", "میں گھر جا رہا ہوں۔ آپ کہاں ہیں؟", ["میں گھر جا رہا ہوں۔", "آپ کہاں ہیں؟"]),
    ("si", "මම ගෙදර යනවා. ඔබ කොහෙද?", ["මම ගෙදර යනවා.", "ඔබ කොහෙද?"]),
    ("en", "Dr. A. K. Khan paid 2.5 taka. He left at 5 p.m. today.",
     ["Dr. A. K. Khan paid 2.5 taka.", "He left at 5 p.m. today."]),
])
def test_segment(run_cli, lang, text, sentences):
    code, out, err = run_cli("segment", "--lang", lang, "--format", "text", stdin=text + "\n")
    assert code == 0, err
    assert out.splitlines() == sentences


def test_align_recovers_a_merge(run_cli, tmp_path):
    """The target side merges source sentences 3 and 4 into one."""
    src = [s for s, _ in PAIRS]
    tgt = [t for _, t in PAIRS]
    tgt = tgt[:3] + [tgt[3] + " " + tgt[4]] + tgt[5:]
    out = tmp_path / "beads"
    code, _, err = run_cli("align", "--src-lang", "bn", "--tgt-lang", "en",
                           "--src", str(write_lines(tmp_path / "s.bn", src)),
                           "--tgt", str(write_lines(tmp_path / "t.en", tgt)),
                           "--output-format", "beads", "-o", str(out))
    assert code == 0, err
    expected = ([f"[{i}]:[{i}]" for i in range(3)] + ["[3,4]:[3]"]
                + [f"[{i}]:[{i - 1}]" for i in range(5, len(PAIRS))])
    assert out.read_text(encoding="utf-8").split() == expected


def test_filter_drops_copies_wrong_script_and_mismatched_lengths(run_cli, tmp_path):
    noisy = [(PAIRS[0][1], PAIRS[0][1]),                # copy: English on both sides
             (PAIRS[1][1], PAIRS[1][0]),                # sides swapped: wrong scripts
             (PAIRS[2][0], PAIRS[6][1] + " " + PAIRS[7][1] + " " + PAIRS[8][1])]  # 1 vs 3
    records = pair_records(PAIRS) + pair_records(noisy, prefix="noise")
    config = write_lines(tmp_path / "chain.yaml", [
        "filters:", "  - copy", "  - script_ratio", "  - length_ratio: {max_ratio: 2.5}"])
    kept, rejects = tmp_path / "kept.jsonl", tmp_path / "rejects.jsonl"
    code, _, err = run_cli("filter", str(write_jsonl(tmp_path / "pairs.jsonl", records)),
                           "--config", str(config), "-o", str(kept), "--rejects", str(rejects))
    assert code == 0, err
    kept_ids = [json.loads(line)["id"] for line in kept.read_text("utf-8").splitlines()]
    assert kept_ids == [f"p{i}" for i in range(len(PAIRS))]
    dropped = {json.loads(line)["id"] for line in rejects.read_text("utf-8").splitlines()}
    assert dropped == {"noise0", "noise1", "noise2"}


def test_corpus_build_dedups_and_decontaminates(run_cli, tmp_path):
    records = pair_records(PAIRS) + pair_records(PAIRS[:3], prefix="again")
    held_out = write_lines(tmp_path / "test.bn", [PAIRS[5][0]])
    config = tmp_path / "corpus.yaml"
    config.write_text(yaml.safe_dump({
        "name": "floor", "src_lang": "bn", "tgt_lang": "en",
        "sources": [{"name": "inline", "licence": "CC0-1.0",
                     "path": str(write_jsonl(tmp_path / "pairs.jsonl", records))}],
        "splits": {"test": 2, "train": "rest"}}), encoding="utf-8")
    out = tmp_path / "corpus"
    code, _, err = run_cli("corpus", "build", "-c", str(config), "-o", str(out),
                           "--exclude", str(held_out), "--card", str(tmp_path / "card.md"),
                           "--report", str(tmp_path / "report.json"))
    assert code == 0, err
    kept = [json.loads(line)["tgt"] for split in ("train", "test")
            for line in (out / f"{split}.jsonl").read_text("utf-8").splitlines()]
    assert sorted(kept) == sorted(t for _, t in PAIRS if t != PAIRS[5][1])
    assert "floor" in (tmp_path / "card.md").read_text("utf-8")


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict:
    """Bengali and English text of a few hundred lines: the inline sentences recombined."""
    root = tmp_path_factory.mktemp("floor")
    files = {}
    for side, lang in ((0, "bn"), (1, "en")):
        words = [w for p in PAIRS for w in p[side].split()]
        lines = [" ".join(words[(i * 7) % len(words):][:4 + i % 9]) for i in range(300)]
        files[lang] = write_lines(root / f"{lang}.txt", [line for line in lines if line])
    return files


def train_tokenizer(run_cli, corpora, prefix: Path) -> Path:
    code, _, err = run_cli("tokenizer", "train", "--corpus", f"bn={corpora['bn']}",
                           "--corpus", f"en={corpora['en']}", "--vocab-size", "450",
                           "-o", str(prefix))
    assert code == 0, err
    return prefix


def test_tokenizer_train_covers_both_scripts(run_cli, corpora, tmp_path):
    import sentencepiece as spm

    prefix = train_tokenizer(run_cli, corpora, tmp_path / "spm")
    sp = spm.SentencePieceProcessor(model_file=str(prefix) + ".model")
    assert sp.get_piece_size() == 450
    for text in (PAIRS[0][0], PAIRS[0][1]):
        assert sp.decode(sp.encode(text)) == text
        assert sp.unk_id() not in sp.encode(text)


def test_sample_plan_temperature_probabilities(run_cli, tmp_path):
    bn = write_lines(tmp_path / "bn.txt", [s for s, _ in PAIRS][:3])
    en = write_lines(tmp_path / "en.txt", [t for _, t in PAIRS])
    plan = tmp_path / "plan.json"
    code, _, err = run_cli("sample", "plan", "--corpus", f"bn={bn}", "--corpus", f"en={en}",
                           "--mix", "temperature", "--tau", "2", "--report", str(plan))
    assert code == 0, err
    probs = json.loads(plan.read_text("utf-8"))["phases"][0]["probs"]
    z = math.sqrt(3) + math.sqrt(12)
    assert probs == pytest.approx({"bn": math.sqrt(3) / z, "en": math.sqrt(12) / z})


def test_eval_bleu_and_chrf_match_sacrebleu(run_cli, tmp_path):
    import sacrebleu

    refs = [t for _, t in PAIRS]
    hyps = [t.replace("the", "a") for t in refs]
    hyp, ref = write_lines(tmp_path / "hyp", hyps), write_lines(tmp_path / "ref", refs)
    code, out, err = run_cli("eval", "--metric", "bleu,chrf", "--hyp", str(hyp), "--ref", str(ref),
                             "--json")
    assert code == 0, err
    scores = json.loads(out)
    assert scores["bleu"]["score"] == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs]).score)
    assert scores["chrf"]["score"] == pytest.approx(sacrebleu.corpus_chrf(hyps, [refs]).score)
    assert 0 < scores["bleu"]["score"] < 100


def test_train_export_run_ppl(run_cli, corpora, tmp_path):
    """A 2-layer LM trained for a few steps, exported to 4 bits, run and scored natively."""
    pytest.importorskip("torch")
    prefix = train_tokenizer(run_cli, corpora, tmp_path / "spm")
    lm = tmp_path / "lm"
    code, _, err = run_cli("train", "--tokenizer", f"{prefix}.model", "--corpus",
                           f"bn={corpora['bn']}", "--corpus", f"en={corpora['en']}",
                           "--layers", "2", "--hidden", "64", "--heads", "4",
                           "--intermediate", "128", "--ctx", "64", "--steps", "20",
                           "--batch-size", "8", "--lr", "0.003", "--eval",
                           f"bn={corpora['bn']}", "--eval-examples", "20", "-o", str(lm))
    assert code == 0, err
    report = json.loads((lm / "train_report.json").read_text("utf-8"))
    assert report["final_eval_loss"]["bn"] < report["initial_eval_loss"]["bn"] - 0.5
    model = tmp_path / "lm.lrtk"
    code, _, err = run_cli("export", str(lm), "-o", str(model), "--bits", "4")
    assert code == 0, err
    code, out, err = run_cli("run", str(model), "--prompt", "আমি", "-n", "8",
                             "--temperature", "0")
    assert code == 0, err
    assert out.strip()
    code, out, err = run_cli("ppl", str(model), "--data", str(corpora["bn"]))
    assert code == 0, err
    assert 1 < json.loads(out)["ppl"] < 450  # below the uniform 450-piece vocabulary
