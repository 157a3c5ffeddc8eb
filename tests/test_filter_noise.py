"""The default chain on TICO-19, FLORES v1 ne-en and Tatoeba with 30% injected noise of known kinds.

Acceptance (issue #18): >= 95% of clean pairs kept and >= 95% of every noise kind flagged, with
no model download (lexical margin trained on the pairs themselves), on TICO-19 and on FLORES
Wikipedia text, a domain the chain was not first built on (benchmarks/bench_filter.py measures
97.6% clean kept and 100% of each kind on TICO-19 bn-en; 98.5% clean kept and 97.6% of shifted
pairs on TICO-19 ur-en; 96.3% clean kept and 96.1% of shifted pairs flagged on FLORES, the
weakest cells). On Tatoeba's short everyday sentences 95.4% of clean pairs are kept and 96.0% of
the noise is flagged, but only 81.3% of the shifted pairs.
"""

from __future__ import annotations

import json

import pytest

from conftest import shared_path
from lrtk.corpus.dedup import fold_words
from lrtk.filter.synthetic import NOISE_KINDS, detection_rates, inject_noise


def tico(pair: str, name: str) -> list[str]:
    return shared_path("tico19", pair, f"tico19-test.{name}").read_text("utf-8").splitlines()


@pytest.fixture(scope="module")
def noisy():
    return inject_noise(tico("en-bn", "bn"), tico("en-bn", "en"),
                        [tico("en-ne", "ne"), tico("en-ur", "ur")], "bn", "en",
                        rate=0.3, seed=0)


def test_injection_is_30_percent_in_equal_kinds(noisy):
    kinds = [r["meta"]["noise"] for r in noisy]
    assert len(noisy) == 2100
    assert sum(k is not None for k in kinds) == 630
    assert all(120 <= kinds.count(k) <= 132 for k in NOISE_KINDS)


def test_injected_noise_is_never_a_pair_of_the_set():
    # Tatoeba lists a sentence with each of its translations back to back, and some twice:
    # the next line's target may translate this source, so the shift skips to the next
    # target the set never pairs with it. A one-word side has nothing to cut: the other
    # side is truncated instead.
    src = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.ben").read_text("utf-8")
    tgt = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.eng").read_text("utf-8")
    src, tgt = src.splitlines(), tgt.splitlines()
    records = inject_noise(src, tgt, [src], "bn", "en", rate=0.3, seed=0)
    pairs = set(zip(src, tgt))
    repeats = 0
    for i, r in enumerate(records):
        if r["meta"]["noise"] == "shift":
            repeats += (src[i], tgt[i + 1]) in pairs
            assert r["tgt"] in tgt[i + 1:i + 10]
        if r["meta"]["noise"] in ("shift", "truncate"):
            assert (r["src"], r["tgt"]) not in pairs, r
    assert repeats > 5  # the case occurs in the set


def test_a_shift_is_never_the_sources_own_sentence_in_other_punctuation():
    # Tatoeba pairs "নিশ্চই!" with "Of course!" and the next lines with "Of course.": the same
    # sentence, so with seed 1 a shift by exact string took it as a misalignment (p02198).
    src = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.ben").read_text("utf-8")
    tgt = shared_path("tatoeba_ben_eng", "tatoeba-test-v2021-08-07.eng").read_text("utf-8")
    src, tgt = src.splitlines(), tgt.splitlines()
    assert fold_words("  Of  course!") == fold_words("of course.") == "of course"
    assert fold_words("What's up?") != fold_words("What is up?")  # only case, punctuation, spacing
    own: dict[str, set[str]] = {}
    for s, t in zip(src, tgt):
        own.setdefault(fold_words(s), set()).add(fold_words(t))
    for seed in (0, 1, 2):
        shifts = [r for r in inject_noise(src, tgt, [src], "bn", "en", rate=0.3, seed=seed)
                  if r["meta"]["noise"] == "shift"]
        assert len(shifts) == 150
        assert all(fold_words(r["tgt"]) not in own[fold_words(r["src"])] for r in shifts), seed


def test_default_chain_flags_noise_and_keeps_clean(noisy, run_cli, tmp_path):
    stdin = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in noisy)
    rejects, report = tmp_path / "rejects.jsonl", tmp_path / "report.json"
    code, out, err = run_cli("filter", "--src-lang", "bn", "--tgt-lang", "en",
                             "--rejects", rejects, "--report", report, stdin=stdin)
    assert code == 0, err
    kept = [json.loads(line) for line in out.splitlines()]
    rates = detection_rates(noisy, [r["id"] for r in kept])
    print(json.dumps(rates))  # the figures quoted in docs/filter.md
    assert rates["clean"]["kept"] >= 0.95
    for kind in NOISE_KINDS:
        assert rates[kind]["flagged"] >= 0.95, (kind, rates)

    # Kept records come out unchanged, in input order.
    by_id = {r["id"]: r for r in noisy}
    assert all(r == by_id[r["id"]] for r in kept)
    assert [r["id"] for r in kept] == sorted(r["id"] for r in kept)

    # Every rejected pair is in --rejects with the filter that rejected it and its scores.
    rejected = [json.loads(line) for line in rejects.read_text("utf-8").splitlines()]
    assert len(kept) + len(rejected) == len(noisy)
    assert all(r["rejected_by"] in r["scores"] for r in rejected)
    summary = json.loads(report.read_text("utf-8"))
    assert summary["input"] == 2100 and summary["kept"] == len(kept)
    assert sum(summary["rejected"].values()) == len(rejected)
    assert summary["rejected"]["duplicate"] == sum(r["meta"]["noise"] == "duplicate"
                                                   for r in noisy)
    hist = summary["histograms"]["margin.margin"]
    assert len(hist["edges"]) == len(hist["counts"]) + 1
    assert "kept" in err and "margin" in err


def tatoeba(lang: str) -> list[str]:
    path = shared_path("tatoeba_ben_eng", f"tatoeba-test-v2021-08-07.{lang}")
    return path.read_text("utf-8").splitlines()


def flores(pair: str, lang: str) -> list[str]:
    path = shared_path("floresv1_dev", f"wikipedia.dev.{pair}-en.{lang}")
    return path.read_text("utf-8").splitlines()


# (language, source, target, foreign texts, floors below the goal): Tatoeba's short shifted
# pairs stay below 95% (docs/benchmarks.md); the floor sits a few pairs under what is measured,
# so only a real loss fails.
OTHER_SETS = {
    "tico19-ur-en": lambda: ("ur", tico("en-ur", "ur"), tico("en-ur", "en"),
                             [tico("en-bn", "bn"), tico("en-ne", "ne")], {}),
    "flores-ne-en": lambda: ("ne", flores("ne", "ne"), flores("ne", "en"),
                             [flores("si", "si")], {}),
    "tatoeba-ben-eng": lambda: ("bn", tatoeba("ben"), tatoeba("eng"),
                                [tico("en-ne", "ne") * 2, tico("en-ur", "ur") * 2],
                                {"shift": 0.78}),
}


@pytest.mark.parametrize("name", OTHER_SETS)
def test_default_chain_on_other_sets(name):
    from lrtk.filter import Pair, default_chain

    lang, src, tgt, foreign, floors = OTHER_SETS[name]()
    records = inject_noise(src, tgt, foreign, lang, "en", rate=0.3, seed=0)
    outcomes = default_chain(lang, "en").run([Pair(r["src"], r["tgt"]) for r in records])
    rates = detection_rates(records, [r["id"] for r, o in zip(records, outcomes) if o.kept])
    print(json.dumps(rates))
    assert rates["clean"]["kept"] >= 0.95 and rates["noise"]["flagged"] >= 0.95, rates
    for kind in NOISE_KINDS:
        assert rates[kind]["flagged"] >= floors.get(kind, 0.95), (kind, rates)
