"""pipelines/slurm/lrtk-sharded.sh issues the right commands: a stand-in `sbatch` runs each
job's --wrap command at once (array jobs once per index, as Slurm would), and the merged
outputs equal a one-process run's bytes."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from badinput import lrtk
from test_scale_filter import data, run  # noqa: F401  (the filter input fixture)

REPO = Path(__file__).resolve().parents[1]
SBATCH = """#!/usr/bin/env python3
import os, subprocess, sys
args, wrap, array = sys.argv[1:], None, None
for i, a in enumerate(args):
    if a == "--wrap":
        wrap = args[i + 1]
    elif a.startswith("--array="):
        lo, hi = map(int, a.split("=")[1].split("-"))
        array = range(lo, hi + 1)
with open(os.environ["SBATCH_LOG"], "a") as log:
    log.write(wrap + "\\n")
for index in (array if array is not None else [None]):
    env = dict(os.environ)
    if index is not None:
        env["SLURM_ARRAY_TASK_ID"] = str(index)
    subprocess.run(["bash", "-c", wrap], env=env, check=True)
print(os.getpid())
"""


def run_script(tmp_path: Path, stage: str, input_path, output, *options, **env_vars) -> None:
    """lrtk-sharded.sh STAGE INPUT tmp_path/work 3 OUTPUT OPTIONS with the stand-in sbatch
    first on PATH (env_vars: the script's REPORT, REJECTS, ...); it must submit the fit (not
    for segment, which has no model), the array and the merge, in that order."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text(SBATCH, encoding="utf-8")
    (bin_dir / "sbatch").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(REPO), "SBATCH_LOG": str(tmp_path / "sbatch.log"),
           "LRTK": f"{shlex.quote(sys.executable)} -m lrtk.cli.main",
           **{k: str(v) for k, v in env_vars.items()}}
    proc = subprocess.run(
        ["bash", str(REPO / "pipelines" / "slurm" / "lrtk-sharded.sh"), stage, str(input_path),
         str(tmp_path / "work"), "3", str(output), *map(str, options)],
        env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    jobs = (tmp_path / "sbatch.log").read_text().splitlines()
    steps = ["--shard-index", "--merge"] if stage == "segment" else \
        ["--fit-only", "--shard-index", "--merge"]
    assert len(jobs) == len(steps) and all(step in job for step, job in zip(steps, jobs)), jobs


def test_slurm_script_commands_give_the_one_process_bytes(data, tmp_path):  # noqa: F811
    out = tmp_path / "out"
    out.mkdir()
    run_script(tmp_path, "filter", data / "pairs.jsonl", out / "kept.jsonl",
               "--src-lang", "bn", "--tgt-lang", "en", "--config", data / "chain.yaml",
               REPORT=out / "report.json", REJECTS=out / "rejects.jsonl")
    assert {name: (out / name).read_bytes()
            for name in ("kept.jsonl", "rejects.jsonl", "report.json")} == \
        run(data, tmp_path / "single", "--workers", "1")


def test_slurm_script_segments_as_one_process(tmp_path):
    """The README's segment example of the script: two jobs (array, merge), the bytes of
    `lrtk segment --workers 1`."""
    docs = REPO / "samples" / "tico19-bn-en" / "docs.bn.jsonl"
    out = tmp_path / "out"
    out.mkdir()
    run_script(tmp_path, "segment", docs, out / "sents.jsonl", "--lang", "bn",
               REPORT=out / "report.json")
    single = lrtk("segment", "--lang", "bn", docs, "--workers", "1", "-o", tmp_path / "one",
                  "--report", tmp_path / "one.json")
    assert single.code == 0, single.err
    assert (out / "sents.jsonl").read_bytes() == (tmp_path / "one").read_bytes()
    assert (out / "report.json").read_bytes() == (tmp_path / "one.json").read_bytes()
