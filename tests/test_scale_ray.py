"""--executor ray: the shards of filter and segment run as Ray tasks on a local two-CPU Ray
head (bound to 127.0.0.1, stopped afterwards) that the commands join with --ray-address, and
give the bytes of a --workers 1 run."""

from __future__ import annotations

from pathlib import Path

import pytest

from badinput import lrtk
from test_scale_filter import data, run  # noqa: F401  (the filter input fixture)

ray = pytest.importorskip("ray")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def address():
    # Ray 2.60 swaps a loopback _node_ip_address for the machine's own address (see
    # ray._private.services.resolve_ip_for_localhost); the head still runs on this machine only.
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False, configure_logging=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


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
