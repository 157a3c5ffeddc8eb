"""lrtk sample: mixing formulas, plans, the resumable stream and the CLI, on TICO-19."""

from __future__ import annotations

import json
import math
import zlib
from collections import Counter

import numpy as np
import pytest

from lrtk.errors import DataError, UsageError
from lrtk.sampling import (
    CorpusSpec, MixtureStream, Schedule, build_plan, load_plan, parse_corpus_options,
    plan_corpora, scalarization_weights, scan_corpora, temperature_probs, unimax_allocation,
)

SIZES = {"bn": 2100.0, "ne": 700.0, "ur": 210.0, "en": 4200.0}


def test_temperature_matches_the_formula_and_flattens_with_tau():
    for tau in (1.0, 2.0, 5.0):
        p = temperature_probs(SIZES, tau)
        z = sum(n ** (1 / tau) for n in SIZES.values())
        for lang, n in SIZES.items():
            assert p[lang] == pytest.approx(n ** (1 / tau) / z)
    assert temperature_probs(SIZES, 1.0)["en"] == pytest.approx(4200 / 7210)
    spread = [max(temperature_probs(SIZES, t).values()) - min(temperature_probs(SIZES, t).values())
              for t in (1, 2, 5, 100)]
    assert spread == sorted(spread, reverse=True) and spread[-1] < 0.02


def test_temperature_survives_huge_counts():
    p = temperature_probs({"en": 3e12, "ur": 1e6}, 0.5)  # n^(1/0.5) would overflow unscaled
    assert p["en"] == pytest.approx(1.0) and p["ur"] > 0


def test_scalarization_weights_turn_proportional_into_temperature_sampling():
    w = scalarization_weights(SIZES, 5.0)
    p1, p5 = temperature_probs(SIZES, 1.0), temperature_probs(SIZES, 5.0)
    for lang in SIZES:
        assert p1[lang] * w[lang] == pytest.approx(p5[lang])
    assert w["ur"] > 1 > w["en"]


def test_unimax_caps_small_languages_and_passes_the_leftover_on():
    alloc = unimax_allocation(SIZES, budget=8000, max_epochs=2)
    # uniform share is 2000; ur caps at 420, ne at 1400; the rest splits between bn and en
    assert alloc["ur"] == pytest.approx(420) and alloc["ne"] == pytest.approx(1400)
    assert alloc["bn"] == pytest.approx(alloc["en"]) == pytest.approx((8000 - 1820) / 2)
    assert sum(alloc.values()) == pytest.approx(8000)
    over = unimax_allocation(SIZES, budget=1e9, max_epochs=1)
    assert over == pytest.approx(SIZES)


def _plan(**kw):
    specs = [CorpusSpec(lang, f"{lang}.txt") for lang in SIZES]
    return build_plan(specs, {k: int(v) for k, v in SIZES.items()}, SIZES, **kw)


def test_cooldown_plan_has_two_phases_with_the_paper_defaults():
    plan = _plan(schedule=Schedule("cooldown", tau=5, tau_end=1, switch=0.5), budget=10000)
    first, second = plan.phases
    assert (first.tau, second.tau, first.draws, second.draws) == (5, 1, 5000, 5000)
    assert first.probs == pytest.approx(temperature_probs(SIZES, 5))
    assert second.probs == pytest.approx(temperature_probs(SIZES, 1))
    assert second.weights == pytest.approx({k: 1.0 for k in SIZES})
    epochs = plan.epochs()
    assert epochs["ur"] == pytest.approx(5000 * first.probs["ur"] / 210 + 5000 * 210 / 7210 / 210)
    assert any(w.startswith("ur would be repeated") for w in plan.warnings)
    assert not any(w.startswith("en ") for w in plan.warnings)


def test_upweight_mode_draws_proportionally_and_carries_the_weights():
    plan = _plan(schedule=Schedule("temperature", tau=5), budget=1000, mode="upweight")
    (phase,) = plan.phases
    assert phase.draw_probs == pytest.approx(temperature_probs(SIZES, 1))
    assert phase.weights == pytest.approx(scalarization_weights(SIZES, 5))


def test_token_unit_converts_shares_into_draw_probabilities():
    # en lines are twice as long: to give en half the tokens, draw it a third of the time.
    specs = [CorpusSpec("bn", "bn"), CorpusSpec("en", "en")]
    plan = build_plan(specs, {"bn": 100, "en": 100}, {"bn": 1000.0, "en": 2000.0},
                      unit="tokens", schedule=Schedule(tau=1e9), budget=3000)
    (phase,) = plan.phases
    assert phase.probs["en"] == pytest.approx(0.5)
    assert phase.draw_probs["en"] == pytest.approx(1 / 3)
    # draws = budget * sum(share / tokens per line) = 3000 * (0.5/10 + 0.5/20)
    assert phase.draws == 225


# -- corpora, stream and CLI on TICO-19 ------------------------------------------------------

@pytest.fixture
def tico_mix(shared, tmp_path):
    """An imbalanced bn/ne/ur/en mixture cut from TICO-19: 2100 / 700 / 210 / 4200 lines."""
    base = shared("tico19")
    sizes = {"bn": ("en-bn/tico19-test.bn", 2100), "ne": ("en-ne/tico19-test.ne", 700),
             "ur": ("en-ur/tico19-test.ur", 210)}
    paths = {}
    for lang, (rel, n) in sizes.items():
        lines = (base / rel).read_text(encoding="utf-8").splitlines()[:n]
        paths[lang] = tmp_path / f"{lang}.txt"
        paths[lang].write_text("\n".join(lines) + "\n", encoding="utf-8")
    english = [(base / p / "tico19-test.en").read_text(encoding="utf-8") for p in ("en-bn", "en-ur")]
    paths["en"] = tmp_path / "en.txt"
    paths["en"].write_text("".join(english), encoding="utf-8")
    return paths


def _corpus_args(paths):
    return [a for lang, p in paths.items() for a in ("--corpus", f"{lang}={p}")]


def test_stream_follows_the_phases_and_matches_the_plan(tico_mix):
    corpora = scan_corpora([CorpusSpec(lang, str(p)) for lang, p in tico_mix.items()])
    assert {l: c.lines for l, c in corpora.items()} == {"bn": 2100, "ne": 700, "ur": 210, "en": 4200}
    plan = plan_corpora(corpora, schedule=Schedule("cooldown", tau=5, tau_end=1, switch=0.5),
                        budget=20000)
    recs = list(MixtureStream(plan, corpora, seed=3))
    assert len(recs) == 20000
    phases = [r["phase"] for r in recs]
    assert phases == sorted(phases)  # phase order is kept: all of phase 0, then phase 1
    for phase in plan.phases:
        got = Counter(r["lang"] for r in recs if r["phase"] == phase.index)
        for lang, p in phase.draw_probs.items():
            sd = math.sqrt(phase.draws * p * (1 - p))
            assert abs(got[lang] - phase.draws * p) < 4 * sd, (phase.index, lang)
    # ur is upsampled ~20 times in phase 0: every line appears before any repeats
    ur = [r["text"] for r in recs if r["lang"] == "ur"]
    assert len(set(ur[:210])) == 210 and set(ur) == set(tico_mix["ur"].read_text("utf-8").splitlines())


def test_stream_is_deterministic_and_resumes_exactly(tico_mix):
    corpora = scan_corpora([CorpusSpec(lang, str(p)) for lang, p in tico_mix.items()])
    plan = plan_corpora(corpora, schedule=Schedule("temperature", tau=3), budget=3000)
    full = list(MixtureStream(plan, corpora, seed=7))
    assert full == list(MixtureStream(plan, corpora, seed=7))
    assert full != list(MixtureStream(plan, corpora, seed=8))
    first = MixtureStream(plan, corpora, seed=7)
    head = [rec for _, rec in zip(range(1234), first)]
    resumed = MixtureStream(plan, scan_corpora(plan.corpora), seed=7)
    resumed.load_state_dict(json.loads(json.dumps(first.state_dict())))
    assert head + list(resumed) == full
    shards = [list(MixtureStream(plan, corpora, seed=7, shard=(k, 3))) for k in range(3)]
    assert sorted(map(json.dumps, sum(shards, []))) == sorted(map(json.dumps, full))
    with pytest.raises(UsageError, match="another plan or seed"):
        MixtureStream(plan, corpora, seed=9).load_state_dict(first.state_dict())


def test_a_state_saved_in_the_old_draw_order_resumes_in_it(tico_mix):
    # Version 1 states (before the windowed permutations) hold cursors into numpy's
    # permutation(n) of each language and epoch; the resumed run must draw from that order.
    corpora = scan_corpora([CorpusSpec(lang, str(p)) for lang, p in tico_mix.items()])
    plan = plan_corpora(corpora, schedule=Schedule("temperature", tau=3), budget=3000)
    stream = MixtureStream(plan, corpora, seed=7)
    head = [rec for _, rec in zip(range(100), stream)]
    old = {**stream.state_dict(), "version": 1}
    resumed = MixtureStream(plan, corpora, seed=7)
    resumed.load_state_dict(old)
    tail = list(resumed)
    assert resumed.state_dict()["version"] == 1
    for lang in plan.languages:
        lines = tico_mix[lang].read_text("utf-8").splitlines()
        rng = np.random.default_rng([7, zlib.crc32(lang.encode("utf-8")), 0])
        order = [lines[i] for i in rng.permutation(len(lines))]
        drawn = [r["text"] for r in tail if r["lang"] == lang]
        start = sum(r["lang"] == lang for r in head)
        n = min(len(drawn), len(order) - start)
        assert n > 20 and drawn[:n] == order[start:start + n]
    assert [r["lang"] for r in head + tail] == \
        [r["lang"] for r in MixtureStream(plan, corpora, seed=7)]


def test_jsonl_corpus_uses_the_named_field_and_keeps_ids(tmp_path):
    path = tmp_path / "bn.jsonl"
    path.write_text('{"id": "a", "src": "এক"}\n\n{"id": "b", "src": "দুই"}\n', encoding="utf-8")
    corpus = scan_corpora([CorpusSpec.parse(f"bn={path}", field="src")])["bn"]
    assert corpus.lines == 2 and corpus.get(1) == ("দুই", "b")
    path.write_text('{"id": "a", "src": "এক"}\n{"id": "b", "text": "দুই"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"bn.jsonl:2: missing field 'src' \(a text record is"):
        scan_corpora([CorpusSpec.parse(f"bn={path}", field="src")])


def test_one_language_from_several_files_with_bom_and_gzip(tico_mix, tmp_path):
    """Files of one language are one corpus in order; example i is fetched by offset from a
    plain file or the unzipped copy of a .gz, a byte order mark or not."""
    import gzip

    lines = tico_mix["bn"].read_text("utf-8").splitlines()[:30]
    plain = tmp_path / "a.bn"
    plain.write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines[:10]) + "\n").encode("utf-8"))
    packed = tmp_path / "b.bn.gz"
    packed.write_bytes(gzip.compress(b"\xef\xbb\xbf" + ("\n\n".join(lines[10:]) + "\n").encode()))
    (spec,) = parse_corpus_options([f"bn={plain}", f"bn={packed}"])
    corpus = scan_corpora([spec])["bn"]
    assert corpus.lines == 30
    assert [corpus.get(i)[0] for i in range(30)] == lines
    corpus.close()
    with pytest.raises(UsageError, match="a language is given twice: bn"):
        scan_corpora([CorpusSpec("bn", plain), CorpusSpec("bn", packed)])


def test_cli_plan_prints_phases_warns_and_writes_json(tico_mix, run_cli, tmp_path):
    out = tmp_path / "plan.json"
    code, stdout, stderr = run_cli("sample", "plan", *_corpus_args(tico_mix), "--mix", "cooldown",
                                   "--tau", "5", "--tau-end", "1", "--switch", "0.5",
                                   "--budget", "20000", "--report", out)
    assert code == 0, stderr
    assert "phase 0, tau=5: 10,000 lines" in stdout and "phase 1, tau=1: 10,000 lines" in stdout
    assert "ur would be repeated" in stderr and "en would be" not in stderr
    plan = load_plan(str(out))
    assert [p.draws for p in plan.phases] == [10000, 10000]
    assert plan.phases[0].probs["ur"] == pytest.approx(
        temperature_probs({"bn": 2100, "ne": 700, "ur": 210, "en": 4200}, 5)["ur"])


def test_cli_draw_resumes_from_a_state_file(tico_mix, run_cli, tmp_path, monkeypatch):
    plan = tmp_path / "plan.json"
    assert run_cli("sample", "plan", *_corpus_args(tico_mix), "--tau", "2", "--budget", "500",
                   "--report", plan)[0] == 0
    assert json.loads(plan.read_text("utf-8"))["corpora"][0]["paths"] == ["bn.txt"]  # relative
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the plan finds its corpora from any working directory
    code, whole, _ = run_cli("sample", "draw", "--plan", plan, "--seed", "4")
    assert code == 0 and len(whole.splitlines()) == 500
    state = tmp_path / "state.json"
    parts = []
    for _ in range(3):
        code, out, err = run_cli("sample", "draw", "--plan", plan, "--seed", "4",
                                 "--state", state, "--take", "200")
        assert code == 0, err
        parts.append(out)
    assert "".join(parts) == whole
    assert parts[-1].count("\n") == 100 and "more remain" not in err
    rec = json.loads(whole.splitlines()[0])
    assert set(rec) == {"lang", "phase", "text"}


def test_cli_errors_are_one_line(tico_mix, run_cli, tmp_path):
    code, _, err = run_cli("sample", "plan", "--corpus", "bn")
    assert code == 2 and "LANG=PATH" in err and "Traceback" not in err
    code, _, err = run_cli("sample", "plan", "--corpus", f"bn={tmp_path / 'missing.txt'}")
    assert code == 2 and "missing.txt: file not found" in err
    plan = tmp_path / "plan.json"
    run_cli("sample", "plan", *_corpus_args(tico_mix), "--budget", "100", "--report", plan)
    with open(tico_mix["ur"], "a", encoding="utf-8") as fh:
        fh.write("نیا جملہ\n")
    code, out, err = run_cli("sample", "draw", "--plan", plan)
    assert code == 2 and "ur has 211 examples now but 210 when planned" in err and out == ""


def test_torch_dataset_keeps_stream_order_with_and_without_workers(tico_mix, tmp_path):
    torch_data = pytest.importorskip("torch.utils.data", reason="torch (the [train] extra) is not installed")
    from lrtk.sampling.torch_dataset import MixtureDataset

    corpora = scan_corpora([CorpusSpec(lang, str(p)) for lang, p in tico_mix.items()])
    plan = plan_corpora(corpora, schedule=Schedule("cooldown", tau=5, tau_end=1), budget=301)
    expected = list(MixtureStream(plan, corpora, seed=2))
    dataset = MixtureDataset(plan, seed=2)
    assert list(torch_data.DataLoader(dataset, batch_size=None)) == expected
    # a fresh dataset, two worker processes: round-robin over step shards restores the order
    loader = torch_data.DataLoader(MixtureDataset(plan, seed=2), batch_size=None, num_workers=2)
    assert list(loader) == expected
    # resuming from a saved state yields the rest
    partial = MixtureDataset(plan, seed=2)
    head = [rec for _, rec in zip(range(100), partial)]
    rest = MixtureDataset(plan, seed=2, state=partial.state_dict())
    assert head + list(rest) == expected


def test_token_unit_counts_whitespace_tokens_and_survives_pickling(tico_mix, run_cli, tmp_path):
    import pickle

    plan_file = tmp_path / "plan.json"
    code, _, err = run_cli("sample", "plan", *_corpus_args(tico_mix), "--unit", "tokens",
                           "--tau", "2", "--budget", "50000", "--report", plan_file)
    assert code == 0, err
    plan = load_plan(str(plan_file))
    for lang, path in tico_mix.items():
        assert plan.units[lang] == sum(len(t.split()) for t in path.read_text("utf-8").splitlines())
    corpora = scan_corpora(plan.corpora)
    recs = list(MixtureStream(plan, corpora, seed=0))
    tokens = Counter()
    for r in recs:
        tokens[r["lang"]] += len(r["text"].split())
    total = sum(tokens.values())
    assert total == pytest.approx(50000, rel=0.05)
    for lang, share in plan.phases[0].probs.items():  # token shares, not line shares
        assert tokens[lang] / total == pytest.approx(share, abs=0.03)
    corpora["bn"].get(0)  # opens the file; a pickled copy must reopen it on its own
    clone = pickle.loads(pickle.dumps(corpora["bn"]))
    assert clone.get(5) == corpora["bn"].get(5)


def test_upweight_stream_carries_loss_weights(tico_mix):
    corpora = scan_corpora([CorpusSpec(lang, str(p)) for lang, p in tico_mix.items()])
    plan = plan_corpora(corpora, schedule=Schedule("cooldown", tau=5, tau_end=1), budget=4000,
                        mode="upweight")
    recs = list(MixtureStream(plan, corpora, seed=0))
    for rec in recs:
        assert rec["weight"] == plan.phases[rec["phase"]].weights[rec["lang"]]
    ur_share = sum(r["lang"] == "ur" for r in recs) / len(recs)
    assert ur_share == pytest.approx(210 / 7210, abs=0.01)  # drawn proportionally, not upsampled


# -- bounded memory: the permutation in windows, the offsets on disk --------------------------

@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 16, 17, 1000, 4096, 4097, 70001])
def test_windowed_permutation_is_a_bijection_in_any_windows(n):
    import numpy as np

    from lrtk.sampling.permutation import WindowedPermutation

    order = WindowedPermutation(n, np.random.default_rng([5, n]))
    whole = order.window(0, n)
    assert np.array_equal(np.sort(whole), np.arange(n))
    pieces = [order.window(start, 1000) for start in range(0, n, 1000)]
    assert np.array_equal(np.concatenate(pieces), whole)  # a window is a slice of the whole
    if n >= 16:  # a smaller n has few enough orders for two keys to agree
        other = WindowedPermutation(n, np.random.default_rng([6, n])).window(0, n)
        assert not np.array_equal(other, whole)


def test_windowed_permutation_is_uniform_over_seeds():
    """Over 2,000 keys each element of 6 lands at each position about equally often, and the
    first two positions are in either order about half the time: no structure a Feistel
    network with a weak round function would leave."""
    import numpy as np

    from lrtk.sampling.permutation import WindowedPermutation

    n, keys, rng = 6, 2000, np.random.default_rng(0)
    orders = np.array([WindowedPermutation(n, rng).window(0, n) for _ in range(keys)])
    expected, sd = keys / n, math.sqrt(keys * (1 / n) * (1 - 1 / n))
    for position in range(n):
        counts = np.bincount(orders[:, position], minlength=n)
        assert np.all(np.abs(counts - expected) < 4.5 * sd), (position, counts)
    ascending = int(np.sum(orders[:, 0] < orders[:, 1]))
    assert abs(ascending - keys / 2) < 4.5 * math.sqrt(keys / 4)


def _traced_peak(path, n_lines):
    """Peak Python allocation (numpy's included) of scanning `path` and drawing from it."""
    import tracemalloc

    tracemalloc.start()
    try:
        corpora = scan_corpora([CorpusSpec("en", str(path))])
        assert corpora["en"].lines == n_lines
        plan = plan_corpora(corpora, budget=n_lines)
        stream = MixtureStream(plan, corpora, seed=1)
        drawn = [rec["text"] for _, rec in zip(range(50), stream)]
        late = corpora["en"].get(n_lines - 1)[0]
        return tracemalloc.get_traced_memory()[1], drawn, late
    finally:
        tracemalloc.stop()


def test_scan_and_draw_memory_does_not_grow_with_the_corpus(shared, tmp_path):
    """Four times the lines, the same peak: the offsets are on disk and the permutation is
    computed in windows. Before, the index (16 bytes a line) and the epoch's permutation
    (8 bytes) grew the peak by 24 bytes a line, 720 kB between these two sizes."""
    english = shared("tico19", "en-bn", "tico19-test.en").read_text("utf-8").splitlines()
    peaks = {}
    for n in (1_000, 10_000, 40_000):  # the first imports what scanning and drawing need
        lines = [english[i % len(english)] for i in range(n)]
        path = tmp_path / f"en-{n}.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        peaks[n], drawn, late = _traced_peak(path, n)
        assert late == lines[-1] and set(drawn) <= set(english)
    assert peaks[40_000] - peaks[10_000] < 256 * 1024, peaks
