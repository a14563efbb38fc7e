"""Server: ``evs-transfer local up`` serves the demo world and the functions."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.server
CLI = Path(sys.executable).with_name("evs-transfer")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_local_up_serves_the_api_to_the_cli_until_interrupted():
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - the project's own command
        [str(CLI), "local", "up", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert process.stdout is not None
    printed = []
    try:
        # It prints where everything is once it serves; the profile line comes last.
        for line in process.stdout:
            printed.append(line)
            if line.startswith("profile"):
                break
        profile = printed[-1].split("EVS_TRANSFER_PROFILE_FILE=", 1)[1].split()[0]
        disk = "10000000-0000-4000-8000-000000000001"
        dry_run = subprocess.run(  # noqa: S603 - the project's own command
            [str(CLI), "request", disk, "--to", "account-b", "--dry-run", "-o", "json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, "EVS_TRANSFER_PROFILE_FILE": profile},
        )
        mode = Path(profile).stat().st_mode & 0o777
    finally:
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=20)
    output = "".join(printed) + rest

    assert 0 == dry_run.returncode, dry_run.stdout + dry_run.stderr
    assert '"outcome": "eligible"' in dry_run.stdout
    assert 0o600 == mode
    assert f"HTTP API     http://127.0.0.1:{port}/apig" in output
    assert "secret_key" not in output
    assert "stopped" in output
    assert not Path(profile).exists()
