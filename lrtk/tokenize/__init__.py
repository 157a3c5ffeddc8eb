"""Tokenizers for low-resource languages: sentencepiece training and per-language reports.

    from lrtk.tokenize import TrainOptions, train_tokenizer, load_model, tokenizer_report

    specs = [CorpusSpec.parse("bn=bn.txt"), CorpusSpec.parse("en=en.txt")]
    paths = train_tokenizer(specs, "out/spm", TrainOptions(vocab_size=8000, max_sentences=200_000))
    sp = load_model("out/spm.model")        # a sentencepiece.SentencePieceProcessor
    stats = tokenizer_report(sp, [CorpusSpec.parse("bn=heldout.bn")])  # fertility, unk, bytes

Models are plain sentencepiece files (PREFIX.model / PREFIX.vocab) with a PREFIX.json card
recording the options and the sentences used per language, so `lrtk train` loads them with
sentencepiece or transformers' LlamaTokenizer(vocab_file=PREFIX.model).
"""

from lrtk.io.spm_model import load_model
from lrtk.tokenize.report import tokenizer_report
from lrtk.tokenize.train import TrainOptions, select_sentences, train_tokenizer

__all__ = ["TrainOptions", "load_model", "select_sentences", "tokenizer_report", "train_tokenizer"]
