"""Training a sentencepiece model on several languages without the largest one taking over.

With --max-sentences the training sentences are chosen per language by temperature
probabilities (the same p_i as `lrtk sample`), capped at what each language has, the rest
passed on to the others; lines are drawn without replacement under --seed. Selection
happens here rather than in sentencepiece's own input sampling, which is uniform over
lines and so proportional to corpus size.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zlib
from dataclasses import asdict, dataclass, field

import numpy as np

from lrtk.errors import UsageError, param
from lrtk.io.atomic import atomic_output, output_group, write_json
from lrtk.io.progress import info, progress
from lrtk.io.signals import Interrupted
from lrtk.sampling.corpus import Corpus, CorpusSpec, scan_corpora
from lrtk.sampling.mixing import capped_allocation, temperature_probs
from lrtk.text.scripts import joint_alphabet

MODEL_TYPES = ("unigram", "bpe")
ALPHABET_CHOICES = ("auto", "on", "off")
# Above this share of the vocabulary an alphabet crowds out the subwords ("auto" skips it):
# five scripts take about 700 pieces, a quarter of a 2,800-piece model.
ALPHABET_SHARE = 0.25


@dataclass
class TrainOptions:
    model_type: str = "unigram"
    vocab_size: int = 8000
    # 0.9995 keeps the rare-character tail of the training text out of the vocabulary; with
    # byte fallback those characters still encode losslessly as bytes.
    character_coverage: float = 0.9995
    byte_fallback: bool = True
    # Reserve a piece for every character of the languages' alphabets (lrtk.text.scripts),
    # seen in the sample or not: "auto" when they take at most ALPHABET_SHARE of the vocabulary.
    alphabet: str = "auto"
    lang_tags: bool = True              # add <bn>, <en>, ... as user-defined symbols
    symbols: list[str] = field(default_factory=list)
    max_sentences: int | None = None    # total over languages (per language with per_language)
    tau: float = 5.0                    # temperature of the per-language sentence budget
    per_language: bool = False          # one model per language instead of a joint one
    normalization: str = "nmt_nfkc"
    threads: int = 4                    # the model depends on it: fixed, not the core count
    seed: int = 0

    def __post_init__(self):
        if self.model_type not in MODEL_TYPES:
            raise UsageError(f"unknown model type {self.model_type!r}",
                             hint=f"choose one of {', '.join(MODEL_TYPES)}")
        if self.alphabet not in ALPHABET_CHOICES:
            raise UsageError(f"unknown {param('alphabet')} {self.alphabet!r}",
                             hint=f"choose one of {', '.join(ALPHABET_CHOICES)}")
        if not 0 < self.character_coverage <= 1:
            raise UsageError(f"{param('character_coverage')} must be in (0, 1], got "
                             f"{self.character_coverage}")
        if self.max_sentences is not None and self.max_sentences <= 0:
            raise UsageError(f"{param('max_sentences')} must be positive, got {self.max_sentences}")


def select_sentences(corpora: dict[str, Corpus], max_sentences: int | None, tau: float,
                     seed: int) -> dict[str, np.ndarray | range]:
    """Indices of the lines each language contributes, in file order."""
    sizes = {lang: c.lines for lang, c in corpora.items()}
    if max_sentences is None or max_sentences >= sum(sizes.values()):
        # every line: a range, not an array of 8 bytes a line
        return {lang: range(n) for lang, n in sizes.items()}
    shares = capped_allocation(temperature_probs(sizes, tau), sizes, max_sentences)
    counts = _round_preserving_total(shares, max_sentences)
    chosen = {}
    for lang, n in sizes.items():
        rng = np.random.default_rng([seed, zlib.crc32(lang.encode("utf-8"))])
        chosen[lang] = np.sort(rng.choice(n, size=counts[lang], replace=False))
    return chosen


def _round_preserving_total(shares: dict[str, float], total: int) -> dict[str, int]:
    """Integer counts summing to `total`: floors, then the largest remainders get +1."""
    counts = {key: int(v) for key, v in shares.items()}
    by_remainder = sorted(shares, key=lambda key: (counts[key] - shares[key], key))
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


OUTPUT_EXTENSIONS = ("model", "vocab", "json")


def train_tokenizer(specs: list[CorpusSpec], prefix: str, options: TrainOptions) -> list[str]:
    """Train the joint model (or one per language) and return the .model paths written.

    Every output file is checked and staged before training; all of them appear together
    when the last model is done, or none does (a .model beside an older .vocab would
    tokenize with one vocabulary and report another)."""
    prefixes = [f"{prefix}.{s.lang}" for s in specs] if options.per_language else [prefix]
    with output_group() as outputs:
        for p in prefixes:
            for ext in OUTPUT_EXTENSIONS:
                outputs.claim_file(f"{p}.{ext}")
        corpora = scan_corpora(specs)
        if options.per_language:
            return [_train_one({lang: c}, f"{prefix}.{lang}", options)
                    for lang, c in corpora.items()]
        return [_train_one(corpora, prefix, options)]


def _train_one(corpora: dict[str, Corpus], prefix: str, options: TrainOptions) -> str:
    import sentencepiece as spm

    chosen = select_sentences(corpora, options.max_sentences, options.tau, options.seed)
    total = sum(len(ix) for ix in chosen.values())

    # A stop signal raised while sentencepiece pulls a line comes back out of its C++ as a
    # RuntimeError ("INTERNAL: Interrupted: SIGINT"); the stop is kept here to be raised as
    # itself, so that the command exits 130/143 like every other stage.
    stopped: list[Interrupted] = []

    def sentences():
        try:
            yield from progress((corpora[lang].get(int(i))[0]
                                 for lang, indices in chosen.items() for i in indices),
                                desc="tokenizer", total=total, unit="line")
        except Interrupted as stop:
            stopped.append(stop)
            raise

    symbols = [f"<{lang}>" for lang in corpora] if options.lang_tags else []
    symbols += [s for s in options.symbols if s not in symbols]
    _check_vocab_size(options, symbols)
    required = _required_chars(list(corpora), options)
    model = io.BytesIO()
    try:
        spm.SentencePieceTrainer.train(
            sentence_iterator=sentences(),
            model_writer=model, model_type=options.model_type, vocab_size=options.vocab_size,
            character_coverage=options.character_coverage, byte_fallback=options.byte_fallback,
            user_defined_symbols=symbols, normalization_rule_name=options.normalization,
            required_chars=required,
            num_threads=options.threads, input_sentence_size=0, minloglevel=2,
            # keep long lines (documents) instead of silently dropping them at 4192 bytes
            max_sentence_length=1 << 16,
        )
    except RuntimeError as e:
        if stopped:
            raise stopped[0] from None
        raise _training_error(str(e), options) from None
    _alphabet_note(list(corpora), options, required)
    _write_outputs(prefix, model.getvalue(), corpora, chosen, options, symbols)
    return f"{prefix}.model"


# unk, bos and eos: sentencepiece adds them to every model.
_META_PIECES = 3
_BYTE_PIECES = 256


def _check_vocab_size(options: TrainOptions, symbols: list[str]) -> None:
    """The pieces every model holds whatever the text, plus at least one character."""
    fixed = _META_PIECES + len(symbols) + (_BYTE_PIECES if options.byte_fallback else 0)
    if options.vocab_size <= fixed:
        parts = ["unk, bos, eos"]
        if options.byte_fallback:
            parts.append(f"{_BYTE_PIECES} bytes of {param('byte_fallback')}")
        if symbols:
            parts.append(" ".join(symbols[:4]) + (" ..." if len(symbols) > 4 else ""))
        raise UsageError(f"{param('vocab_size')} {options.vocab_size} leaves no room for text: "
                         f"every model holds {fixed} fixed pieces ({', '.join(parts)})",
                         hint=f"use more than {fixed}, typically thousands")


def _required_chars(langs: list[str], options: TrainOptions) -> str:
    """The alphabet to reserve pieces for ("" for none), as --alphabet says."""
    if options.alphabet == "off":
        return ""
    chars = joint_alphabet(langs)
    if options.alphabet == "auto" and len(chars) > ALPHABET_SHARE * options.vocab_size:
        return ""
    return chars


def _alphabet_note(langs: list[str], options: TrainOptions, required: str) -> None:
    """Say that "auto" left the alphabet out (after training: an error comes alone)."""
    if options.alphabet == "auto" and not required:
        info(f"tokenizer: the {len(joint_alphabet(langs))}-character alphabet of "
             f"{', '.join(langs)} is more than {ALPHABET_SHARE:.0%} of {param('vocab_size')} "
             f"{options.vocab_size}: not reserved ({param('alphabet')} on forces it)")


def _training_error(message: str, options: TrainOptions) -> UsageError:
    """sentencepiece's RuntimeError ("INTERNAL: src/trainer_interface.cc(638) [check] text")
    as one line saying what to change."""
    text = message.split("] ", 1)[-1].strip()
    if m := re.search(r"smaller than required_chars\. (\d+) vs (\d+)", text):
        return UsageError(f"{param('vocab_size')} {m[1]} is smaller than the {m[2]} pieces this "
                          "text needs (its characters and the fixed pieces)",
                          hint=f"use at least {m[2]}, or lower {param('character_coverage')} from "
                               f"{options.character_coverage:g}")
    if m := re.search(r"Vocabulary size too high \((\d+)\).*<= (\d+)", text):
        return UsageError(f"{param('vocab_size')} {m[1]} is more pieces than this text yields "
                          f"(at most {m[2]})",
                          hint=f"use {param('vocab_size')} {m[2]} or less, or train on more text")
    return UsageError(f"sentencepiece could not train: {text}")


def _write_outputs(prefix, model_bytes, corpora, chosen, options, symbols) -> None:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=model_bytes)
    with atomic_output(f"{prefix}.model", binary=True) as fh:
        fh.write(model_bytes)
    with atomic_output(f"{prefix}.vocab") as fh:
        for i in range(processor.get_piece_size()):
            fh.write(f"{processor.id_to_piece(i)}\t{processor.get_score(i):g}\n")
    write_json({
        "model": os.path.basename(f"{prefix}.model"),
        "sha256": hashlib.sha256(model_bytes).hexdigest(),
        "vocab_size": processor.get_piece_size(),
        "options": asdict(options), "user_defined_symbols": symbols,
        "corpora": [c.spec.to_dict() for c in corpora.values()],
        "sentences": {lang: {"used": len(chosen[lang]), "available": c.lines}
                      for lang, c in corpora.items()},
    }, f"{prefix}.json")
