"""Known noise injected into clean pairs, to measure what a filter chain catches.

Used by the tests and benchmarks/bench_filter.py: take clean parallel text (TICO-19), corrupt
a seeded share of the pairs with the noise kinds that aligned web data really contains, and
count per kind how much the chain rejects and how much clean data it keeps.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from lrtk.corpus.dedup import fold_words

NOISE_KINDS = ("shift", "wrong_lang", "copy", "truncate", "duplicate")


def _truncate(text: str) -> str:
    """The first 40% of the words (at least one): a sentence cut off mid-way."""
    words = text.split()
    return " ".join(words[:max(1, int(len(words) * 0.4))])


def inject_noise(src: Sequence[str], tgt: Sequence[str], foreign: Sequence[Sequence[str]],
                 src_lang: str, tgt_lang: str, rate: float = 0.3,
                 seed: int = 0) -> list[dict]:
    """Sentence-pair records; a `rate` share is corrupted in place, kinds in equal parts.

    meta.noise names the kind (None for clean pairs):
      shift      -- the target of the next line (a misalignment by one); of the next line
                    whose target the set does not pair with this line's source anywhere:
                    a set may list a sentence with each of its translations back to back
                    (Tatoeba does), or list it twice, and a target the set itself gives
                    as this source's translation is no misalignment. Sentences are
                    compared by their words (`fold_words`: case, punctuation, symbols and
                    spacing ignored): "Of course." is the same sentence as "Of course!"
      wrong_lang -- the target replaced by line i of a `foreign` text (other language, same
                    meaning), cycling through the foreign texts given
      copy       -- the target is a copy of the source
      truncate   -- the source or the target (alternately) cut to 40% of its words; the
                    other side where this one is a single word, and no noise (a clean
                    pair) where both are: there is nothing to cut
      duplicate  -- an exact copy of an earlier clean pair
    """
    n = len(src)
    rng = np.random.default_rng(seed)
    noisy = rng.choice(n, size=int(round(n * rate)), replace=False)
    kind_of = {int(i): NOISE_KINDS[r % len(NOISE_KINDS)] for r, i in enumerate(noisy)}
    clean_before: list[int] = []  # clean indices seen so far, for duplicates
    # a source's words -> the words of every target the set pairs it with
    translations: dict[str, set[str]] = {}
    for line_src, line_tgt in zip(src, tgt):
        translations.setdefault(fold_words(line_src), set()).add(fold_words(line_tgt))
    records = []
    for i in range(n):
        kind = kind_of.get(i)
        s, t = src[i], tgt[i]
        if kind == "duplicate" and not clean_before:
            kind = "copy"  # nothing earlier to duplicate yet
        if kind == "truncate" and len(s.split()) == len(t.split()) == 1:
            kind = None
        if kind == "shift":
            t = tgt[_next_other(tgt, translations[fold_words(s)], i)]
        elif kind == "wrong_lang":
            t = foreign[i % len(foreign)][i]
        elif kind == "copy":
            t = s
        elif kind == "truncate":
            cut_src = len(t.split()) == 1 or (i % 2 and len(s.split()) > 1)
            s, t = (_truncate(s), t) if cut_src else (s, _truncate(t))
        elif kind == "duplicate":
            j = clean_before[int(rng.integers(len(clean_before)))]
            s, t = src[j], tgt[j]
        else:
            clean_before.append(i)
        records.append({"id": f"p{i:05d}", "src": s, "tgt": t, "src_lang": src_lang,
                        "tgt_lang": tgt_lang, "meta": {"noise": kind}})
    return records


def _next_other(tgt: Sequence[str], known: set[str], i: int) -> int:
    """The first line after i (cyclically) whose target's words are not among `known`,
    those of the targets the set pairs with line i's source (line i's own included)."""
    n = len(tgt)
    for step in range(1, n):
        j = (i + step) % n
        if fold_words(tgt[j]) not in known:
            return j
    return (i + 1) % n  # every target translates this source: nothing else to shift in


def detection_rates(records: Sequence[dict], kept_ids: Iterable[str]) -> dict[str, dict]:
    """Per noise kind, and for all noise together ("noise"): how many pairs, and the share
    rejected (noise) or kept (clean)."""
    kept = set(kept_ids)
    out: dict[str, dict] = {}
    for kind in ("clean", *NOISE_KINDS, "noise"):
        ids = [r["id"] for r in records
               if (r["meta"]["noise"] or "clean") == kind
               or (kind == "noise" and r["meta"]["noise"])]
        if not ids:
            continue
        n_kept = sum(i in kept for i in ids)
        if kind == "clean":
            out[kind] = {"pairs": len(ids), "kept": round(n_kept / len(ids), 4)}
        else:
            out[kind] = {"pairs": len(ids), "flagged": round(1 - n_kept / len(ids), 4)}
    return out
