"""Which token ids survive trimming: the ids the corpora use, special and byte-fallback
tokens always, cut to the most frequent `top` or to a `coverage` share when asked, and
closed under BPE so every kept token can still be built merge by merge."""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

BYTE_PIECE = re.compile(r"^<0x[0-9A-Fa-f]{2}>$")


def count_ids(tokenizer, lines: Iterable[str], batch: int = 256) -> Counter:
    """Occurrences of each id in the tokenized lines (no special tokens added: those are
    kept anyway, and counting them would distort --coverage)."""
    counts: Counter = Counter()
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == batch:
            _count_chunk(tokenizer, chunk, counts)
            chunk = []
    if chunk:
        _count_chunk(tokenizer, chunk, counts)
    return counts


def _count_chunk(tokenizer, chunk: list[str], counts: Counter) -> None:
    for ids in tokenizer(chunk, add_special_tokens=False)["input_ids"]:
        counts.update(ids)


def count_spm_ids(model_proto: bytes, vocab: dict[str, int], lines: Iterable[str]) -> Counter:
    """Occurrences of each id in the lines as the sentencepiece model itself encodes them
    (slow tokenizers, the native runtime without `tokenizers`). The fast tokenizer converted
    from it can segment a few words differently, and both must keep working."""
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=model_proto)
    counts: Counter = Counter()
    for pieces in processor.encode(list(lines), out_type=str):
        counts.update(vocab[p] for p in pieces if p in vocab)
    return counts


def always_kept(tokenizer, spm_pieces: Iterable[tuple[str, int]] = ()) -> set[int]:
    """Special tokens, added tokens and byte-fallback pieces: a model needs them whatever
    the corpus holds (sentence markers, T5's sentinels, mBART's language codes, and bytes
    so that no character becomes <unk>). `spm_pieces` are (piece, type) of a sentencepiece
    model's non-normal pieces, which the HF tokenizer may not list as special."""
    vocab = tokenizer.get_vocab()
    keep = set(tokenizer.all_special_ids)
    keep.update(tokenizer.get_added_vocab().values())
    keep.update(i for piece, i in vocab.items() if BYTE_PIECE.match(piece))
    keep.update(vocab[piece] for piece, _ in spm_pieces if piece in vocab)
    return keep


def frequent(counts: Counter, top: int | None, coverage: float | None) -> set[int]:
    """The used ids, cut to the `top` most frequent or to the fewest that cover `coverage`
    of all occurrences. Ties are broken by id so the choice is deterministic."""
    ranked = sorted(counts, key=lambda i: (-counts[i], i))
    if top is not None:
        ranked = ranked[:top]
    if coverage is not None:
        total, covered, cut = sum(counts.values()), 0, 0
        for cut, i in enumerate(ranked, 1):
            covered += counts[i]
            if covered >= coverage * total:
                break
        ranked = ranked[:cut]
    return set(ranked)


def bpe_closure(keep: set[int], vocab: dict[str, int]) -> set[int]:
    """Add every vocabulary token that is a substring of a kept token. BPE builds a token by
    merging smaller tokens, all substrings of it; encoding a line runs the same merges as
    before exactly when every token formed on the way is still there. Keeping all
    substrings over-keeps a little but needs no simulation of the merge order."""
    by_id = {i: piece for piece, i in vocab.items()}
    closed = set(keep)
    for i in keep:
        piece = by_id.get(i, "")
        for start in range(len(piece)):
            for end in range(start + 1, len(piece) + 1):
                sub = vocab.get(piece[start:end])
                if sub is not None:
                    closed.add(sub)
    return closed
