"""Embedders: the offline one on real parallel text, and a sentence-transformers model by path."""

from __future__ import annotations

import numpy as np
import pytest

from lrtk.embed import load_embedder
from lrtk.errors import UsageError
from lrtk.lexicon import IBMModel1, words


def _top1(a: np.ndarray, b: np.ndarray) -> float:
    """Share of rows of a whose nearest row of b is the parallel one, among 10 neighbours."""
    hits = 0
    for i in range(len(a)):
        lo = max(0, i - 5)
        hits += int(np.argmax(a[i] @ b[lo:i + 5].T) + lo == i)
    return hits / len(a)


def test_offline_embedder_finds_translations_de_fr(shared):
    root = shared("textberg_defr_dev")
    gold = [line.split(":") for line in (root / "dev.defr").read_text().splitlines()]
    de = (root / "dev.de").read_text(encoding="utf-8").splitlines()
    fr = (root / "dev.fr").read_text(encoding="utf-8").splitlines()
    one_one = [(int(s[1:-1]), int(t[1:-1])) for s, t in gold if s.count(",") == t.count(",") == 0
               and s != "[]" and t != "[]"]
    emb = load_embedder("offline")
    a = emb.embed([de[s] for s, _ in one_one], "de")
    b = emb.embed([fr[t] for _, t in one_one], "fr")
    assert a.dtype == np.float32 and np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert _top1(a, b) > 0.65  # measured 0.70; chance is 0.1


def test_offline_embedder_crosses_scripts_with_a_dictionary(shared):
    root = shared("tico19", "en-bn")
    bn = (root / "tico19-test.bn").read_text(encoding="utf-8").splitlines()
    en = (root / "tico19-test.en").read_text(encoding="utf-8").splitlines()
    plain = load_embedder("offline")
    base = _top1(plain.embed(bn[:400], "bn"), plain.embed(en[:400], "en"))
    model = IBMModel1.train([(words(b), words(e)) for b, e in zip(bn[400:], en[400:])])
    emb = load_embedder("offline", dictionary=model.to_dictionary(), dictionary_lang="bn")
    learned = _top1(emb.embed(bn[:400], "bn"), emb.embed(en[:400], "en"))
    assert base > 0.3  # numbers, punctuation and names alone already cross the scripts
    assert learned > 0.8 and learned > base + 0.2


def test_missing_model_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="pass embedder offline"):  # the parameter's name
        load_embedder(str(tmp_path / "LaBSE"))


def test_sentence_transformers_model_loads_by_path(tmp_path):
    pytest.importorskip("sentence_transformers")
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models
    from transformers import BertConfig, BertModel, BertTokenizer

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "virus", "spreads", "rice"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab) + "\n")
    bert_dir = tmp_path / "bert"
    BertTokenizer(str(tmp_path / "vocab.txt")).save_pretrained(bert_dir)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64)
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(bert_dir)
    word = models.Transformer(str(bert_dir))
    model = SentenceTransformer(modules=[word, models.Pooling(word.get_embedding_dimension())])
    model.save(str(tmp_path / "tiny-st"))

    emb = load_embedder(str(tmp_path / "tiny-st"))
    vecs = emb.embed(["the virus spreads", "rice", "the virus spreads"], "en")
    assert vecs.shape == (3, 32) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vecs[0], vecs[2]) and not np.allclose(vecs[0], vecs[1])
    assert emb.embed([], "en").shape == (0, 32)
