"""lrtk tokenizer: balanced sentence selection, sentencepiece training, fertility reports."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lrtk.errors import UsageError
from lrtk.sampling import CorpusSpec, scan_corpora, temperature_probs
from lrtk.tokenize import TrainOptions, load_model, select_sentences, tokenizer_report, train_tokenizer

HELD_OUT = 300  # the last lines of each TICO-19 file are held out for reports


@pytest.fixture
def tico(shared, tmp_path):
    """Train/held-out files: bn, ne, ur (1800 / 300 lines) and en (both English sides)."""
    base = shared("tico19")
    sources = {"bn": ["en-bn/tico19-test.bn"], "ne": ["en-ne/tico19-test.ne"],
               "ur": ["en-ur/tico19-test.ur"], "en": ["en-bn/tico19-test.en", "en-ur/tico19-test.en"]}
    files = {}
    for lang, rels in sources.items():
        train, test = [], []
        for rel in rels:
            lines = (base / rel).read_text(encoding="utf-8").splitlines()
            train += lines[:-HELD_OUT]
            test += lines[-HELD_OUT:]
        for split, lines in (("train", train), ("test", test)):
            path = tmp_path / f"{split}.{lang}"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            files[split, lang] = path
    return files


def _specs(tico, split, langs=("bn", "ne", "ur", "en")):
    return [CorpusSpec(lang, str(tico[split, lang])) for lang in langs]


def test_selection_follows_capped_temperature_shares(tico, tmp_path):
    small = tmp_path / "small.ur"
    small.write_text("\n".join(tico["train", "ur"].read_text("utf-8").splitlines()[:120]) + "\n",
                     encoding="utf-8")
    corpora = scan_corpora([CorpusSpec("en", str(tico["train", "en"])), CorpusSpec("ur", str(small))])
    chosen = select_sentences(corpora, max_sentences=1000, tau=1.0, seed=0)
    # tau=1 is proportional: 3600 en vs 120 ur lines
    assert {k: len(v) for k, v in chosen.items()} == {"en": 968, "ur": 32}
    chosen = select_sentences(corpora, max_sentences=1000, tau=5.0, seed=0)
    p = temperature_probs({"en": 3600, "ur": 120}, 5.0)
    assert 1000 * p["ur"] > 120  # ur would want more than it has: capped, rest goes to en
    assert {k: len(v) for k, v in chosen.items()} == {"en": 880, "ur": 120}
    en = chosen["en"]
    assert len(set(en.tolist())) == 880 and np.all(np.diff(en) > 0)
    assert np.array_equal(en, select_sentences(corpora, 1000, 5.0, seed=0)["en"])
    assert not np.array_equal(en, select_sentences(corpora, 1000, 5.0, seed=1)["en"])


def test_joint_model_has_tags_byte_fallback_and_is_deterministic(tico, tmp_path):
    options = TrainOptions(vocab_size=1200, max_sentences=1200, threads=2, symbols=["<2en>"])
    (path,) = train_tokenizer(_specs(tico, "train"), str(tmp_path / "a"), options)
    sp = load_model(path)
    assert sp.get_piece_size() == 1200
    for tag in ("<bn>", "<ne>", "<ur>", "<en>", "<2en>"):
        assert sp.piece_to_id(tag) != sp.unk_id()
        assert [sp.id_to_piece(i) for i in sp.encode(f"{tag} x") if sp.id_to_piece(i) == tag] == [tag]
    sinhala = "ශ්‍රී ලංකාව"  # never seen in training: bytes, not <unk>, and it round-trips
    ids = sp.encode(sinhala)
    assert any(sp.is_byte(i) for i in ids) and not any(sp.is_unknown(i) for i in ids)
    assert sp.decode(ids) == sinhala
    card = json.loads((tmp_path / "a.json").read_text("utf-8"))
    assert sum(v["used"] for v in card["sentences"].values()) == 1200
    assert card["sentences"]["ur"]["available"] == 1800
    vocab = (tmp_path / "a.vocab").read_text("utf-8").splitlines()
    assert len(vocab) == 1200 and vocab[sp.piece_to_id("<bn>")].startswith("<bn>\t")
    (again,) = train_tokenizer(_specs(tico, "train"), str(tmp_path / "b"), options)
    assert (tmp_path / "a.model").read_bytes() == (tmp_path / "b.model").read_bytes()


def test_alphabet_gets_pieces_even_when_the_sample_lacks_them(tico, tmp_path):
    """Every letter, mark, digit and punctuation mark of the trained languages' scripts has a
    piece of its own (--alphabet), including ones the training text never holds: Bengali
    ৺ (U+09FA) and ঌ (U+098C) are absent from TICO-19. --alphabet off leaves them to bytes;
    auto skips an alphabet that would take over a quarter of a small vocabulary."""
    from lrtk.text.scripts import alphabet

    absent = "৺ঌ"
    train_text = tico["train", "bn"].read_text("utf-8") + tico["train", "en"].read_text("utf-8")
    assert not set(absent) & set(train_text)
    specs = _specs(tico, "train", ("bn", "en"))
    (on,) = train_tokenizer(specs, str(tmp_path / "on"), TrainOptions(vocab_size=2000, threads=1))
    sp = load_model(on)
    for ch in alphabet("bn") + alphabet("en"):
        assert sp.piece_to_id(ch) != sp.unk_id(), ch
        assert not any(sp.is_byte(i) for i in sp.encode(ch)), ch
    off_options = TrainOptions(vocab_size=2000, threads=1, alphabet="off")
    (off,) = train_tokenizer(specs, str(tmp_path / "off"), off_options)
    assert all(any(load_model(off).is_byte(i) for i in load_model(off).encode(ch)) for ch in absent)
    (small,) = train_tokenizer(specs, str(tmp_path / "small"), TrainOptions(vocab_size=800, threads=1))
    assert any(load_model(small).is_byte(i) for i in load_model(small).encode(absent))
    with pytest.raises(UsageError, match="alphabet"):
        TrainOptions(alphabet="all")


def test_balanced_sampling_lowers_low_resource_fertility(tico, tmp_path):
    """An English-heavy mixture (3600 en lines vs 300 ur) given a 1500-sentence budget:
    proportional selection leaves Urdu few sentences and many pieces per word; tau=5 gives
    Urdu a fair share of the vocabulary and a lower held-out fertility."""
    few_ur = tmp_path / "few.ur"
    few_ur.write_text("\n".join(tico["train", "ur"].read_text("utf-8").splitlines()[:300]) + "\n",
                      encoding="utf-8")
    specs = [CorpusSpec("en", str(tico["train", "en"])), CorpusSpec("ur", str(few_ur))]
    held_out = _specs(tico, "test", ("ur", "en"))
    fertility = {}
    for tau in (1.0, 5.0):
        opts = TrainOptions(vocab_size=1000, max_sentences=1500, tau=tau, threads=2)
        (path,) = train_tokenizer(specs, str(tmp_path / f"tau{tau:g}"), opts)
        fertility[tau] = {s.lang: s.fertility for s in tokenizer_report(load_model(path), held_out)}
    assert fertility[5.0]["ur"] < 0.9 * fertility[1.0]["ur"]
    assert fertility[5.0]["en"] > fertility[1.0]["en"]  # the vocabulary moved from en to ur


def test_report_counts_tokens_unknowns_and_bytes(tico, tmp_path):
    options = TrainOptions(vocab_size=800, max_sentences=800, threads=2, per_language=True,
                           model_type="bpe", lang_tags=False)
    paths = train_tokenizer(_specs(tico, "train", ("bn", "ur")), str(tmp_path / "m"), options)
    assert paths == [str(tmp_path / "m.bn.model"), str(tmp_path / "m.ur.model")]
    bn_model = load_model(paths[0])
    (bn, ur) = tokenizer_report(bn_model, _specs(tico, "test", ("bn", "ur")))
    text = tico["test", "bn"].read_text("utf-8").splitlines()
    assert bn.lines == HELD_OUT and bn.words == sum(len(t.split()) for t in text)
    assert bn.tokens == sum(len(bn_model.encode(t)) for t in text)
    assert bn.fertility == pytest.approx(bn.tokens / bn.words)
    # a Bengali-only model meets Urdu script: nearly every Urdu character is bytes
    assert ur.byte_rate > 0.5 > bn.byte_rate and ur.unk_rate == 0
    assert "ی" in ur.uncovered and ur.fertility > 2 * bn.fertility


def test_cli_train_and_report(tico, tmp_path, run_cli):
    prefix = tmp_path / "spm"
    code, out, err = run_cli("tokenizer", "train", "--corpus", f"bn={tico['train', 'bn']}",
                             "--corpus", f"en={tico['train', 'en']}", "--vocab-size", "800",
                             "--max-sentences", "600", "--threads", "2", "-o", prefix)
    assert code == 0, err
    assert f"wrote {prefix}.model" in err and out == ""
    report = tmp_path / "report.json"
    code, out, err = run_cli("tokenizer", "report", "--tokenizer", f"{prefix}.model",
                             "--corpus", f"bn={tico['test', 'bn']}", "--corpus", f"en={tico['test', 'en']}",
                             "--report", report)
    assert code == 0, err
    assert out.splitlines()[0].split()[:5] == ["lang", "lines", "words", "tokens", "fertility"]
    data = json.loads(report.read_text("utf-8"))
    assert [lang["lang"] for lang in data["languages"]] == ["bn", "en"]
    assert all(lang["fertility"] > 1 for lang in data["languages"])
    # the model sizes corpora for `lrtk sample plan --unit tokens`
    plan = tmp_path / "plan.json"
    code, _, err = run_cli("sample", "plan", "--corpus", f"bn={tico['test', 'bn']}", "--unit", "tokens",
                           "--tokenizer", f"{prefix}.model", "--report", plan)
    assert code == 0, err
    assert json.loads(plan.read_text("utf-8"))["units"]["bn"] == data["languages"][0]["tokens"]


def test_cli_errors(tico, tmp_path, run_cli):
    code, _, err = run_cli("tokenizer", "report", "--tokenizer", tmp_path / "none.model",
                           "--corpus", f"bn={tico['test', 'bn']}")
    assert code == 2 and "none.model: tokenizer model not found" in err
    code, _, err = run_cli("tokenizer", "train", "--corpus", f"bn={tico['test', 'bn']}",
                           "--vocab-size", "90000", "-o", tmp_path / "big")
    assert code == 2 and "--vocab-size 90000 is more pieces than this text yields (at most" in err
    assert "Traceback" not in err
    assert not (tmp_path / "big.model").exists()
    with pytest.raises(UsageError, match="unknown model type"):
        TrainOptions(model_type="wordpiece")


def test_a_stop_while_sentencepiece_reads_a_line_stays_a_stop(tico, tmp_path, monkeypatch):
    """A signal handled while sentencepiece's C++ pulls a line comes back out of it as a
    RuntimeError; the command must still end as stopped (exit 130), not as a training error,
    and write nothing. The signal is raised at the 50th line, where the race put it in CI."""
    import signal

    from lrtk.io.signals import Interrupted
    from lrtk.sampling.corpus import Corpus

    real_get, calls = Corpus.get, []

    def get(self, i):
        calls.append(i)
        if len(calls) == 50:
            raise Interrupted(signal.SIGINT)
        return real_get(self, i)

    monkeypatch.setattr(Corpus, "get", get)
    with pytest.raises(Interrupted):
        train_tokenizer(_specs(tico, "train"), str(tmp_path / "a"),
                        TrainOptions(vocab_size=1200, max_sentences=1200, threads=1))
    assert len(calls) == 50 and not list(tmp_path.glob("a.*"))
