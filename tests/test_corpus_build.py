"""`lrtk corpus build` on real data: reproducibility, decontamination, splits, data card."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from conftest import shared_path
from lrtk.corpus.dedup import fold
from lrtk.corpus.sources import Entry
from lrtk.corpus.split import assign_splits

TATOEBA = ("tatoeba_ben_eng", "tatoeba-test-v2021-08-07")


def tico_jsonl(path: Path, n: int = 600) -> Path:
    bn = shared_path("tico19", "en-bn", "tico19-test.bn").read_text("utf-8").splitlines()
    en = shared_path("tico19", "en-bn", "tico19-test.en").read_text("utf-8").splitlines()
    with path.open("w", encoding="utf-8") as fh:
        for i, (s, t) in enumerate(zip(bn[:n], en[:n])):
            fh.write(json.dumps({"id": f"tico-{i}", "src": s, "tgt": t, "src_lang": "bn",
                                 "tgt_lang": "en"}, ensure_ascii=False) + "\n")
    return path


def write_config(tmp: Path, **extra) -> Path:
    tat = shared_path(*TATOEBA[:1])
    cfg = {
        "name": "test-bn-en", "src_lang": "bn", "tgt_lang": "en",
        "sources": [
            {"name": "tico19", "licence": "CC0-1.0", "path": str(tico_jsonl(tmp / "tico.jsonl"))},
            {"name": "tatoeba", "licence": "CC-BY-2.0-FR",
             "src_path": str(tat / f"{TATOEBA[1]}.ben"), "tgt_path": str(tat / f"{TATOEBA[1]}.eng")},
        ],
        "monolingual": [{"name": "flores-en", "licence": "CC-BY-SA-4.0", "lang": "en",
                         "path": str(shared_path("floresv1_dev", "wikipedia.dev.si-en.en"))}],
        "splits": {"test": 200, "dev": 200, "train": "rest"},
        **extra,
    }
    path = tmp / "corpus.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def snapshot(*roots: Path) -> dict[str, str]:
    out = {}
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in files:
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def front_matter(card: Path) -> dict:
    text = card.read_text("utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n")[1])


def test_build_twice_is_byte_identical(run_cli, tmp_path):
    config = write_config(tmp_path)
    out, card = tmp_path / "out", tmp_path / "cards" / "test-bn-en.md"
    args = ("corpus", "build", "--config", config, "-o", out, "--card", card)
    code, _, err = run_cli(*args)
    assert code == 0, err
    first = snapshot(out, card)
    code, _, err = run_cli(*args)
    assert code == 0, err
    assert snapshot(out, card) == first
    assert any("/hf/" in p and p.endswith(".arrow") for p in first)

    front = front_matter(card)
    assert front["name"] == "test-bn-en" and front["languages"] == ["bn", "en"]
    assert [s["licence"] for s in front["sources"]] == ["CC0-1.0", "CC-BY-2.0-FR"]
    # The card's hashes are the files' hashes, for every output file.
    assert {str(out / k): v for k, v in front["files"].items()} == \
        {k: v for k, v in first.items() if k != str(card)}
    counts = front["counts"]
    assert counts["read"] == 3100
    assert counts["read"] >= counts["normalised"] >= counts["exact_dedup"] \
        >= counts["near_dedup"] >= counts["decontaminated"]
    assert counts["splits"]["test"] == 200 and counts["splits"]["dev"] == 200
    assert sum(counts["splits"].values()) == counts["decontaminated"]
    assert front["command"].startswith("lrtk corpus build --config")
    body = card.read_text("utf-8")
    for section in ("## Description", "## Intended use", "## Known issues",
                    "## Length statistics"):
        assert section in body


def test_outputs_agree_and_splits_are_disjoint(run_cli, tmp_path):
    import datasets

    config = write_config(tmp_path)
    out = tmp_path / "out"
    code, _, err = run_cli("corpus", "build", "--config", config, "-o", out,
                           "--card", tmp_path / "card.md")
    assert code == 0, err
    keys = {}
    hf = datasets.load_from_disk(str(out / "hf"))
    for split in ("train", "dev", "test"):
        recs = [json.loads(line) for line in (out / f"{split}.jsonl").read_text("utf-8").splitlines()]
        assert [r["src"] for r in recs] == (out / f"{split}.bn").read_text("utf-8").splitlines()
        assert [r["tgt"] for r in recs] == (out / f"{split}.en").read_text("utf-8").splitlines()
        assert hf[split]["id"] == [r["id"] for r in recs]
        keys[split] = {(fold(r["src"]), fold(r["tgt"])) for r in recs}
        assert len(keys[split]) == len(recs)  # no near duplicates left
    assert not keys["train"] & keys["dev"] and not keys["train"] & keys["test"] \
        and not keys["dev"] & keys["test"]
    mono = (out / "mono.en").read_text("utf-8").splitlines()
    assert 0 < len(mono) <= 2898


def test_tatoeba_lines_do_not_survive_exclusion(run_cli, tmp_path):
    config = write_config(tmp_path)
    tat = shared_path(*TATOEBA[:1])
    excluded = [tat / f"{TATOEBA[1]}.ben", tat / f"{TATOEBA[1]}.eng"]
    out, report = tmp_path / "out", tmp_path / "report.json"
    code, _, err = run_cli("corpus", "build", "--config", config, "-o", out, "--card",
                           tmp_path / "card.md", "--report", report,
                           "--exclude", excluded[0], "--exclude", excluded[1])
    assert code == 0, err
    banned = {fold(line) for p in excluded for line in p.read_text("utf-8").splitlines()}
    survivors = 0
    for split in ("train", "dev", "test"):
        for line in (out / f"{split}.jsonl").read_text("utf-8").splitlines():
            rec = json.loads(line)
            assert fold(rec["src"]) not in banned and fold(rec["tgt"]) not in banned, rec
            survivors += rec["meta"]["source"] == "tatoeba"
    assert survivors == 0
    front = json.loads(report.read_text("utf-8"))
    assert front["decontamination"]["removed"] >= 2400
    # TICO-19 itself is (almost) untouched by the Tatoeba exclusion.
    assert front["counts"]["decontaminated"] >= 590


def test_split_depends_on_content_not_position():
    texts = [(f"বাক্য {i}", f"sentence number {chr(97 + i % 26)}{i}") for i in range(300)]
    entries = [Entry(str(i), "s", t) for i, t in enumerate(texts)]
    spec = {"train": 0.8, "dev": 0.1, "test": 0.1}
    forward = assign_splits(entries, spec)
    backward = assign_splits(entries[::-1], spec)
    assert {k: {e.id for e in v} for k, v in forward.items()} == \
        {k: {e.id for e in v} for k, v in backward.items()}
    assert 200 <= len(forward["train"]) <= 280
    # The same content under another id lands in the same split.
    twin = Entry("twin", "s", entries[7].texts)
    where = next(k for k, v in forward.items() if entries[7] in v)
    assert twin in assign_splits([twin], spec)[where]


def test_pipe_from_filter_with_filter_report(run_cli, tmp_path):
    bn = shared_path("tico19", "en-bn", "tico19-test.bn").read_text("utf-8").splitlines()[:300]
    en = shared_path("tico19", "en-bn", "tico19-test.en").read_text("utf-8").splitlines()[:300]
    pairs = "".join(json.dumps({"id": str(i), "src": s, "tgt": t}, ensure_ascii=False) + "\n"
                    for i, (s, t) in enumerate(zip(bn, en)))
    code, kept, err = run_cli("filter", "--src-lang", "bn", "--tgt-lang", "en", "--report",
                              tmp_path / "filter.json", stdin=pairs)
    assert code == 0, err
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({
        "name": "piped", "src_lang": "bn", "tgt_lang": "en",
        "sources": [{"name": "tico19", "licence": "CC0-1.0", "path": "-",
                     "filter_report": "filter.json"}],
        "splits": {"train": 0.9, "test": 0.1}}), encoding="utf-8")
    code, _, err = run_cli("corpus", "build", "--config", config, "-o", tmp_path / "out",
                           "--card", tmp_path / "piped.md", stdin=kept)
    assert code == 0, err
    front = front_matter(tmp_path / "piped.md")
    assert front["counts"]["read"] == len(kept.splitlines())
    assert front["filters"]["tico19"]["input"] == 300
    assert [f["name"] for f in front["filters"]["tico19"]["filters"]][-1] == "margin"


@pytest.mark.parametrize("edit, code, message", [
    (lambda c: c["sources"][0].pop("licence"), 2, "'licence' is required"),
    (lambda c: c.update(splits={"train": 0.5, "test": 0.2}), 2, "sum to 0.7"),
    (lambda c: c.update(splits={"test": 100000, "train": "rest"}), 2, "splits ask for 100000"),
    (lambda c: c["sources"][1].update(tgt_path=c["sources"][0]["path"]), 1, "ends before line"),
])
def test_bad_config_or_data_keeps_previous_output(run_cli, tmp_path, edit, code, message):
    config = write_config(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".lrtk-output").write_text("lrtk corpus build\n", encoding="utf-8")  # a build's
    (out / "keep.txt").write_text("previous build", encoding="utf-8")
    cfg = yaml.safe_load(config.read_text("utf-8"))
    edit(cfg)
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    got, _, err = run_cli("corpus", "build", "--config", config, "-o", out,
                          "--card", tmp_path / "card.md")
    assert got == code and message in err, err
    assert "Traceback" not in err
    assert (out / "keep.txt").read_text("utf-8") == "previous build"
    assert not (tmp_path / "card.md").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_help_has_an_example(run_cli):
    code, out, _ = run_cli("corpus", "build", "--help")
    assert code == 0 and "lrtk corpus build --config corpus.yaml -o" in out
    assert "\\b" not in out and "\n    splits: {test: 500" in out  # example kept verbatim


def test_line_breaks_inside_texts_keep_text_files_aligned(run_cli, tmp_path):
    recs = [{"id": "a", "src": "প্রথম লাইন\nদ্বিতীয়\tলাইন", "tgt": "first line\u2028second line"},
            {"id": "b", "src": "আমার  জ্বর", "tgt": "I have a  fever "},
            {"id": "c", "src": "য\u09bcে\u200b", "tgt": "   "}]  # empty target after normalising
    pairs = tmp_path / "p.jsonl"
    pairs.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"name": "ws", "src_lang": "bn", "tgt_lang": "en",
                                      "sources": [{"name": "x", "licence": "CC0-1.0",
                                                   "path": "p.jsonl"}]}), encoding="utf-8")
    code, _, err = run_cli("corpus", "build", "--config", config, "-o", tmp_path / "out",
                           "--card", tmp_path / "ws.md")
    assert code == 0, err
    from lrtk.text.normalize import normalize

    # (The normaliser also composes য + ় into য় in "দ্বিতীয়".)
    assert (tmp_path / "out" / "train.bn").read_text("utf-8") == \
        normalize("প্রথম লাইন দ্বিতীয় লাইন\nআমার জ্বর\n", "bn")
    assert (tmp_path / "out" / "train.en").read_text("utf-8") == \
        "first line second line\nI have a fever\n"
    assert front_matter(tmp_path / "ws.md")["counts"]["normalised"] == 2


@pytest.mark.parametrize("max_shard_size, files", [(None, 1), (400_000, 4)],
                         ids=["one-data-file", "cut-into-four"])
def test_streamed_dataset_has_the_bytes_datasets_writes(tmp_path, max_shard_size, files):
    """The dataset written row by row equals DatasetDict.from_dict(...).save_to_disk: the same
    Arrow data files (also when a split is cut into several), dataset_info.json and
    dataset_dict.json; state.json differs only in the fingerprint."""
    import datasets

    from lrtk.corpus.writer import HF_COLUMNS, HfDatasetWriter

    bn, en = (shared_path("tico19", "en-bn", f"tico19-test.{x}").read_text("utf-8").splitlines()
              for x in ("bn", "en"))
    rows = {"train": [(f"t{i}", s, t, "tico19") for i, (s, t) in enumerate(zip(bn, en))],
            "test": [(f"x{i}", s, t, "other") for i, (s, t) in enumerate(zip(bn[:30], en))]}
    streamed = HfDatasetWriter(str(tmp_path / "streamed"), list(rows), max_shard_size)
    for split, split_rows in rows.items():
        for row in split_rows:
            streamed.add(split, row)
    streamed.close()
    features = datasets.Features({c: datasets.Value("string") for c in HF_COLUMNS})
    datasets.DatasetDict({
        split: datasets.Dataset.from_dict(
            {c: [r[i] for r in split_rows] for i, c in enumerate(HF_COLUMNS)}, features=features)
        for split, split_rows in rows.items()}).save_to_disk(
            str(tmp_path / "saved"), max_shard_size=max_shard_size)

    ours, theirs = snapshot(tmp_path / "streamed"), snapshot(tmp_path / "saved")
    rel = lambda d, root: {str(Path(k).relative_to(root)): v for k, v in d.items()}  # noqa: E731
    ours, theirs = rel(ours, tmp_path / "streamed"), rel(theirs, tmp_path / "saved")
    assert sum(k.startswith("train/data-") for k in ours) == files
    states = [k for k in ours if k.endswith("state.json")]
    assert {k: v for k, v in ours.items() if k not in states} == \
        {k: v for k, v in theirs.items() if k not in states}
    for state in states:
        a, b = (json.loads((tmp_path / d / state).read_text()) for d in ("streamed", "saved"))
        assert a.pop("_fingerprint") != b.pop("_fingerprint") and a == b
    loaded = datasets.load_from_disk(str(tmp_path / "streamed"))
    assert loaded["train"]["src"] == bn[:len(en)] and loaded["test"]["source"] == ["other"] * 30


def test_the_recorded_command_leaves_out_how_the_build_ran():
    from lrtk.cli.corpus import recorded_command

    assert recorded_command(["corpus", "build", "--config", "c.yaml", "--workers", "4",
                             "--num-shards=8", "--merge", "--work-dir", "w", "-o", "out",
                             "--executor", "ray", "--ray-address", "h:6379", "--shard-index",
                             "3", "--card", "c d.md"]) == \
        "lrtk corpus build --config c.yaml -o out --card 'c d.md'"
