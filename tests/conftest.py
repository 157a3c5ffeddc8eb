"""Shared fixtures: where the real test data lives and how to run the CLI in-process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("LRTK_SHARED_DATA", REPO.parent / "shared" / "data"))


def shared_path(*parts: str) -> Path:
    """Path into ../shared/data; the test skips with a clear reason if the folder is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data not found: {path} (set LRTK_SHARED_DATA)")
    return path


@pytest.fixture
def shared():
    return shared_path


@pytest.fixture
def run_cli(capfd):
    """Run `lrtk ARGS` in-process; returns (exit_code, stdout, stderr)."""
    from lrtk.cli.main import main
    import sys

    def run(*args: str, stdin: str | None = None):
        import io

        argv, old_stdin = sys.argv, sys.stdin
        sys.argv = ["lrtk", *map(str, args)]
        if stdin is not None:
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
        code = 0
        try:
            main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        finally:
            sys.argv, sys.stdin = argv, old_stdin
        out, err = capfd.readouterr()
        return code, out, err

    return run


# A local two-CPU Ray head on 127.0.0.1 for the --executor ray tests (tests/ray_cluster.py).
from ray_cluster import ray_address  # noqa: E402,F401
# The small `make PAIR` builds that test_pipeline.py and test_report.py share (pair_builds.py).
from pair_builds import pair_builds  # noqa: E402,F401
