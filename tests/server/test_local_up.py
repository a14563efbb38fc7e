"""Server: ``evs-transfer local up`` serves the demo world and the functions."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

pytestmark = pytest.mark.server
CLI = Path(sys.executable).with_name("evs-transfer")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_local_up_serves_the_api_until_interrupted():
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - the project's own command
        [str(CLI), "local", "up", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/_localcloud/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        dry_run = requests.post(
            f"{base}/apig/transfers",
            json={
                "volume_id": "10000000-0000-4000-8000-000000000001",
                "source_account": "account-a",
                "target_account": "account-b",
                "requester": "local-up-test",
                "dry_run": True,
            },
            timeout=30,
        )
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)

    assert 200 == dry_run.status_code, dry_run.text
    assert dry_run.json()["eligible"]
    assert f"HTTP API     {base}/apig" in output
    assert "stopped" in output
