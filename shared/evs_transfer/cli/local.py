"""``evs-transfer local up``: localcloud with the demo world, until Ctrl-C."""

from __future__ import annotations

import threading
from pathlib import Path

from rich.console import Console

from localcloud.cloud import LocalCloud

ROOT = Path(__file__).resolve().parents[3]
WORLD = ROOT / "infra" / "localcloud" / "worlds" / "demo.yaml"


def serve(port: int, console: Console) -> None:
    """Serve the demo world on 127.0.0.1:``port`` and print where everything is.

    Raises:
        SystemExit: Not run from a checkout of the project (the world and the functions
            live in the repository, not in the installed package).
    """
    if not WORLD.is_file():
        raise SystemExit(
            f"local up runs from a checkout of evs-transfer: {WORLD} is missing"
        )
    cloud = LocalCloud.from_world_file(WORLD, code_root=ROOT)
    with cloud.serve(port=port) as server:
        console.print(f"localcloud   {server.url}")
        console.print(f"HTTP API     {server.url}/apig   (export EVS_TRANSFER_API_URL)")
        console.print(
            f"admin        {server.url}/_localcloud/outbox, calls, invocations"
        )
        console.print("functions    create_transfer, accept_transfer, sweep_transfers")
        console.print("Ctrl-C stops it.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("stopped")
    cloud.close()
