"""``evs-transfer local up``: localcloud with the demo world, until Ctrl-C."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from rich.console import Console

from localcloud.cloud import LocalCloud

ROOT = Path(__file__).resolve().parents[3]
WORLD = ROOT / "infra" / "localcloud" / "worlds" / "demo.yaml"


def write_profile(folder: Path, cloud: LocalCloud, api_url: str) -> Path:
    """Write a profile for account A's operator of the demo world, readable by its owner.

    The keys are the demo world's fake ones; they are written, never printed.
    """
    broker = cloud.account("broker")
    path = folder / "profile.toml"
    path.touch(mode=0o600)
    path.write_text(
        "[default]\n"
        f'url = "{api_url}"\n'
        'source_account = "account-a"\n'
        f'access_key = "{broker.access_key}"\n'
        f'secret_key = "{broker.secret_key}"\n',
        encoding="utf-8",
    )

    return path


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
    with (
        tempfile.TemporaryDirectory(prefix="evs-transfer-") as folder,
        cloud.serve(port=port) as server,
    ):
        profile = write_profile(Path(folder), cloud, f"{server.url}/apig")
        console.print(f"localcloud   {server.url}")
        console.print(f"HTTP API     {server.url}/apig   (export EVS_TRANSFER_API_URL)")
        console.print(
            f"profile      export EVS_TRANSFER_PROFILE_FILE={profile}"
            "   (the URL and account A's FAKE demo keys, which sign the API calls)"
        )
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
