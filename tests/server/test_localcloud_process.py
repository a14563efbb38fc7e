"""``python -m localcloud`` as its own process, serving the demo world."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkevs.v2 import EvsClient, ShowVolumeRequest

from localcloud import load_world

DEMO = (
    Path(__file__).resolve().parents[2]
    / "infra"
    / "localcloud"
    / "worlds"
    / "demo.yaml"
)
STUB = "def handler(event, context):\n    return {}\n"

pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server_url(tmp_path: Path) -> Iterator[str]:
    for name in (function.name for function in load_world(DEMO).functions):
        (tmp_path / "functions" / name).mkdir(parents=True)
        (tmp_path / "functions" / name / "index.py").write_text(STUB, encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "localcloud",
        "--world",
        str(DEMO),
        "--port",
        str(_free_port()),
        "--code-root",
        str(tmp_path),
        "--state-dir",
        str(tmp_path / "state"),
    ]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=20)
        if process.stdout is not None:
            process.stdout.close()
    assert 0 == exit_code


def test_server_process_answers_health_and_sdk_calls(server_url: str) -> None:
    broker = load_world(DEMO).accounts[0]
    credentials = BasicCredentials(
        broker.access_key, broker.secret_key, broker.projects["cn-north-4"]
    )
    evs = (
        EvsClient.new_builder()
        .with_credentials(credentials)
        .with_endpoints([server_url])
        .build()
    )

    health_url = f"{server_url}/_localcloud/health"
    with urllib.request.urlopen(health_url, timeout=10) as response:  # noqa: S310 - http only
        health = json.loads(response.read())
    volume = evs.show_volume(
        ShowVolumeRequest(volume_id="10000000-0000-4000-8000-000000000001")
    )

    assert ("ok", ["broker", "account-b"]) == (health["status"], health["accounts"])
    assert "data-disk-01" == volume.volume.name
