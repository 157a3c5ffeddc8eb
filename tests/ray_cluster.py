"""A local Ray head for the tests: two CPUs, bound to 127.0.0.1, started once per session.

`ray_address` (a session fixture, registered in conftest.py) starts `ray start --head --block`
in its own process group and yields the address that commands join with `--ray-address`;
at the end of the session the group is terminated. Nothing else on the machine is touched:
no `ray stop`, which would stop every Ray cluster of every user of the machine.

Why an environment variable as well as --node-ip-address: on Linux Ray swaps a loopback
address for the machine's own (ray._private.services.resolve_ip_for_localhost), so the head
would listen on the machine's network address. RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 makes
Ray keep loopback, as it does on a laptop; the commands under test inherit it, so their
drivers look for the head's raylet on 127.0.0.1 too. The head requires a token (Ray's token
authentication, as a real cluster should), a fresh one per session that the commands inherit
through RAY_AUTH_TOKEN, so no file under ~/.ray is read or written.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

HOST = "127.0.0.1"
ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0",
       "RAY_AUTH_MODE": "token"}
START_TIMEOUT = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((HOST, port)) == 0


@pytest.fixture(scope="session")
def ray_address():
    pytest.importorskip("ray")
    ray_cli = os.path.join(os.path.dirname(sys.executable), "ray")
    if not os.path.exists(ray_cli):
        pytest.skip(f"the ray command is not installed next to {sys.executable}")
    env = {**ENV, "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    # A short private temp folder: Ray puts Unix sockets in it (path length limit 107).
    temp = tempfile.mkdtemp(prefix="lrtk-ray-", dir="/tmp")
    port = _free_port()
    log = open(os.path.join(temp, "head.log"), "wb")
    head = subprocess.Popen(
        [ray_cli, "start", "--head", "--block", "--node-ip-address", HOST, "--port", str(port),
         "--num-cpus", "2", "--include-dashboard", "false", "--disable-usage-stats",
         "--temp-dir", temp],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _listening(port):
            if head.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Ray head did not start: {_tail(temp)}")
            time.sleep(0.5)
        yield f"{HOST}:{port}"
    finally:
        _stop(head)
        log.close()
        shutil.rmtree(temp, ignore_errors=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _stop(head: subprocess.Popen) -> None:
    """Stop the head's process group (GCS, raylet, workers), then kill what is left.
    SIGINT, as Ctrl-C in the head's terminal: `ray start --block` then stops its processes
    and exits within seconds, while SIGTERM left it running past 30 s."""
    for sig in (signal.SIGINT, signal.SIGKILL):
        try:
            os.killpg(head.pid, sig)
        except ProcessLookupError:
            return  # the whole group is gone
        try:
            head.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(2)  # members of the group exit shortly after their leader


def _tail(temp: str) -> str:
    try:
        with open(os.path.join(temp, "head.log"), encoding="utf-8", errors="replace") as fh:
            return re.sub(r"\s+", " ", fh.read()[-2000:])
    except OSError:
        return "(no log)"

