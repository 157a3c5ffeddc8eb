"""--executor ray: the shards of filter and segment run as Ray tasks on a local two-CPU Ray
head (bound to 127.0.0.1, stopped afterwards; tests/ray_cluster.py) that the commands join
with --ray-address, and give the bytes of a --workers 1 run."""

from __future__ import annotations

from pathlib import Path

import pytest

from badinput import lrtk
from test_scale_filter import data, run  # noqa: F401  (the filter input fixture)

ray = pytest.importorskip("ray")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def address(ray_address):
    """The session's Ray head (conftest.py); other test modules may take either name."""
    return ray_address


def test_the_head_listens_on_loopback_only(address):
    import psutil

    host, port = address.rsplit(":", 1)
    assert host == "127.0.0.1"
    listening = {c.laddr.ip.removeprefix("::ffff:") for c in psutil.net_connections("tcp")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == int(port)}
    assert listening == {"127.0.0.1"}


def segmented(folder: Path, *args) -> dict[str, bytes]:
    folder.mkdir()
    docs = REPO / "samples" / "tico19-bn-en" / "docs.bn.jsonl"
    res = lrtk("segment", "--lang", "bn", docs, *args, "-o", folder / "out",
               "--report", folder / "report.json")
    assert res.code == 0, res.err
    return {name: (folder / name).read_bytes() for name in ("out", "report.json")}


def test_filter_and_segment_on_ray_match_one_worker(address, data, tmp_path):  # noqa: F811
    on_ray = ["--executor", "ray", "--ray-address", address]
    assert run(data, tmp_path / "ray", *on_ray, "--num-shards", "4") == \
        run(data, tmp_path / "local", "--workers", "1")
    assert segmented(tmp_path / "seg-ray", *on_ray, "--num-shards", "3") == \
        segmented(tmp_path / "seg-local", "--workers", "1")
