"""`lrtk report` on a real small build of bn-en, looked at as a person would: in a browser.

The build is the small `make bn-en` of tests/pair_builds.py (every stage for real on three
bundled TICO-19 documents, ending with the report stage), shared with tests/test_pipeline.py. Headless
Chromium then loads the page: no console message (the page's Content-Security-Policy turns
any outside load into one), every plot has data, and the screenshot is not blank. The checks
themselves are shown to fail on a broken page and a blank one.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from badinput import lrtk
from conftest import REPO
from lrtk.report import SECTIONS
from lrtk.charts.plots import MISSING_NOTE
from pair_builds import summary_title

PLOTS = 10  # flow, filter rejections, filter scores, lengths, fertility, plan, train, tune,
#             export, runtime (evaluation is a table)
CARD = "bn-en"  # the small build's card is bn-en.md, its plots bn-en.*.svg


@dataclass
class Build:
    work: Path
    card: Path
    env: dict  # the environment its stages ran in
    stderr: str

    @property
    def html(self) -> str:
        return (self.work / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def build(pair_builds) -> Build:
    """The small bn-en build of tests/pair_builds.py, which test_pipeline.py checks too."""
    b = pair_builds("bn-en")
    return Build(b.work, b.card, b.stage_env, b.proc.stderr)


def _section(html: str, anchor: str) -> str:
    match = re.search(rf'<section id="{anchor}">(.*?)</section>', html, re.S)
    assert match, f"section {anchor} missing"
    return match.group(1)


def test_the_report_stage_writes_every_section(build):
    assert f"lrtk: report: wrote {build.work / 'report.html'}\n" in build.stderr
    html = build.html
    for anchor, title, _ in SECTIONS:
        assert f'<section id="{anchor}"><h2>{title}</h2>' in html
    assert "left out" not in html and MISSING_NOTE not in html
    assert html.count("<svg") == PLOTS


def test_stage_table_has_commands_and_the_fingerprint_make_compares(build):
    stages = _section(build.html, "stages")
    for stage in ("segment", "align", "filter", "corpus", "tokenizer", "sample", "train", "tune",
                  "eval", "export", "run"):
        config = subprocess.run([str(REPO / "pipelines" / "pair.sh"), "bn-en", "--config", stage],
                                cwd=REPO, env=build.env, capture_output=True, check=True).stdout
        row = re.search(rf"<tr><td>{stage}</td>(.*?)</tr>", stages, re.S)
        assert row, stage
        assert f"<code>{hashlib.sha256(config).hexdigest()[:12]}</code>" in row.group(1), stage
        assert "<code>lrtk " in row.group(1), stage
    assert "TRAIN_STEPS=20" in stages  # the knobs behind the fingerprint
    assert (build.work / "run.txt").read_text(encoding="utf-8").strip() in stages


def test_sections_show_the_numbers_of_the_build(build):
    html = build.html
    rejects = [line for line in (build.work / "rejects.jsonl").read_text().splitlines() if line]
    import json

    first = json.loads(rejects[0])
    filt = _section(html, "filter")
    assert f"<h4>{first['rejected_by']}</h4>" in filt
    assert first["id"] in filt
    # the margin filter's threshold is drawn on its margin histogram and nowhere else
    report = json.loads((build.work / "reports" / "filter.json").read_text())
    margin = next(f for f in report["filters"] if f["name"] == "margin")
    assert filt.count(f">threshold {margin['threshold']:g}<") == 1
    flow = _section(html, "flow")
    kept = report["kept"]
    assert f"<td>kept by the filters</td><td>pairs</td><td class=\"num\">{kept:,}</td>" in flow
    train = _section(html, "train")
    assert ">cooldown switch (step 18)<" in train and ">LR decay starts (step 18)<" in train
    for lang in ("bn", "en"):
        assert f">held-out loss {lang}<" in train
    eval_ = _section(html, "eval")
    assert "nrefs:1|case:mixed|eff:no|tok:13a" in eval_
    export = _section(html, "export")
    for name in ("model.lrtk", "export/model.2.lrtk"):
        size = (build.work / name).stat().st_size / 1e6
        assert f"<td>{name}</td><td class=\"num\">{size:.2f}</td>" in export


def test_rerendering_gives_identical_bytes(build, tmp_path):
    again = tmp_path / "again.html"
    res = lrtk("report", build.work, "-o", again, "--title", summary_title("bn-en"))
    assert res.code == 0, res.err
    assert again.read_bytes() == (build.work / "report.html").read_bytes()


# --- the data card's plots ------------------------------------------------------------------

def _rebuild_corpus(build: Build, card: Path, env: dict | None = None):
    with open(build.work / "filtered.jsonl", "rb") as fh:
        res = lrtk("corpus", "build", "--config", build.work / "corpus.yaml", "-o",
                   card.parent / "corpus", "--card", card, stdin=fh.read(), env=env)
    assert res.code == 0, res.err
    return card.read_text(encoding="utf-8")


def test_card_links_its_plots_written_beside_it_reproducibly(build, tmp_path):
    text = build.card.read_text(encoding="utf-8")
    assert f"![Sentence lengths]({CARD}.lengths.svg)" in text
    assert f"![Filter scores of tico19]({CARD}.filter-tico19.svg)" in text
    for name in (f"{CARD}.lengths.svg", f"{CARD}.filter-tico19.svg"):
        svg = (build.card.parent / name).read_text(encoding="utf-8")
        assert svg.startswith("<?xml") and "-data-" in svg
    # a second build of the same corpus gives the same plot bytes
    card = tmp_path / "card" / f"{CARD}.md"
    card.parent.mkdir()
    _rebuild_corpus(build, card)
    for name in (f"{CARD}.lengths.svg", f"{CARD}.filter-tico19.svg"):
        assert (card.parent / name).read_bytes() == (build.card.parent / name).read_bytes()


# --- degraded inputs --------------------------------------------------------------------------

@pytest.fixture
def no_matplotlib(tmp_path) -> dict:
    """An environment in which `import matplotlib` fails, as where it is not installed."""
    fake = tmp_path / "hide" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('matplotlib hidden by the test')\n")
    return {"PYTHONPATH": os.pathsep.join([str(fake.parent), str(REPO)])}


def test_without_matplotlib_the_report_keeps_its_tables(build, tmp_path, no_matplotlib):
    out = tmp_path / "tables.html"
    res = lrtk("report", build.work, "-o", out, env=no_matplotlib)
    assert res.code == 0, res.err
    html = out.read_text(encoding="utf-8")
    assert html.count(MISSING_NOTE.replace("'", "&#x27;")) == 1
    assert "<svg" not in html and "left out," not in html
    assert "nrefs:1|case:mixed" in _section(html, "eval")
    card = tmp_path / "card" / f"{CARD}.md"
    card.parent.mkdir()
    text = _rebuild_corpus(build, card, no_matplotlib)
    assert MISSING_NOTE in text and "![" not in text
    assert not list(card.parent.glob("*.svg"))


def test_missing_or_broken_reports_leave_their_sections_out(build, tmp_path):
    work = tmp_path / "work"
    shutil.copytree(build.work, work, ignore=shutil.ignore_patterns("*.safetensors", "*.lrtk"))
    (work / "reports" / "filter.json").unlink()
    (work / "reports" / "eval.json").write_text("{\"bleu\": ")
    shutil.rmtree(work / "lm")
    res = lrtk("report", work)
    assert res.code == 0, res.err
    html = (work / "report.html").read_text(encoding="utf-8")
    assert "Filter: left out, reports/filter.json not found." in html
    assert "Evaluation: left out, reports/eval.json:1: not valid JSON" in html
    assert "Training: left out, lm/metrics.jsonl not found." in html
    assert html.count("left out,") == 3
    assert "kept by the filters" not in _section(html, "flow")  # the rest of the flow stays
    assert "<svg" in _section(html, "tune")
    assert res.err.strip().endswith("(left out: Filter, Training, Evaluation)")


# --- in a browser -----------------------------------------------------------------------------

class _Plots(HTMLParser):
    """The path data inside each <svg>'s data groups (ids `<figure>-data-<n>`)."""

    def __init__(self):
        super().__init__()
        self.figures: list[list[str]] = []
        self._groups: list[bool] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.figures.append([])
        elif tag == "g":
            self._groups.append("-data-" in (a.get("id") or ""))
        elif tag == "path" and any(self._groups) and self.figures:
            self.figures[-1].append(a.get("d") or "")

    def handle_endtag(self, tag):
        if tag == "g" and self._groups:
            self._groups.pop()


def _points(d: str) -> set[tuple[str, str]]:
    numbers = re.findall(r"-?\d+(?:\.\d+)?", d)
    return set(zip(numbers[::2], numbers[1::2]))


def _browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("headless Chromium not found (Debian package chromium, installed by "
                "scripts/setup-system.sh)")


def _open(page: Path, tmp: Path) -> tuple[str, list[str], float]:
    """Load `page` in headless Chromium: (the DOM, console lines, grey-level standard
    deviation of a screenshot)."""
    image = pytest.importorskip("PIL.Image", reason="Pillow (a matplotlib dependency) reads "
                                                    "the screenshot")
    from PIL import ImageStat

    shot = tmp / f"{page.stem}.png"
    proc = subprocess.run(
        [_browser(), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
         f"--user-data-dir={tmp / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--window-size=1200,2400", f"--screenshot={shot}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    with image.open(shot) as img:
        spread = ImageStat.Stat(img.convert("L")).stddev[0]
    return proc.stdout, console, spread


def test_report_loads_cleanly_in_a_browser_with_data_in_every_plot(build, tmp_path):
    dom, console, spread = _open(build.work / "report.html", tmp_path)
    assert console == []
    plots = _Plots()
    plots.feed(dom)
    assert len(plots.figures) == PLOTS
    for i, paths in enumerate(plots.figures):
        assert paths and max(len(_points(d)) for d in paths) >= 3, f"plot {i} has no data"
    assert spread > 5, "the screenshot is blank"


def test_the_browser_checks_catch_a_broken_or_blank_page(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text(f'<!DOCTYPE html><meta http-equiv="Content-Security-Policy" '
                      f'content="default-src \'none\'"><img src="{tmp_path}/x.png">'
                      f"<svg><g id=\"x-data-0\"></g></svg>")
    dom, console, _ = _open(broken, tmp_path)
    assert console, "an outside load went unnoticed"
    plots = _Plots()
    plots.feed(dom)
    assert plots.figures == [[]]
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><title>blank</title>")
    assert _open(blank, tmp_path)[2] < 1
