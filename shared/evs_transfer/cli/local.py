"""``evs-transfer local up``: localcloud with the demo world, until Ctrl-C."""

from __future__ import annotations

import json
import signal
import tempfile
import threading
from pathlib import Path

import requests
from rich.console import Console

from evs_transfer.cli.exits import ApiProblem
from localcloud.cloud import LocalCloud

ROOT = Path(__file__).resolve().parents[3]
WORLD = ROOT / "infra" / "localcloud" / "worlds" / "demo.yaml"


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def offer_token(base_url: str, subject_id: str) -> str | None:
    """Return the approval token of the latest offer of a transfer or batch, if any.

    Reads localcloud's record of what SMN delivered to the target's systems: what
    account B would read from its topic.
    """
    root = base_url.removesuffix("/apig").rstrip("/")
    try:
        answer = requests.get(
            f"{root}/_localcloud/outbox", params={"protocol": "https"}, timeout=30
        )
        answer.raise_for_status()
        deliveries = answer.json()["deliveries"]
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise ApiProblem.unreachable(f"{root}/_localcloud", exc) from None
    token = None
    for delivery in deliveries:
        document = json.loads(delivery["message"])
        about = document.get("transfer") or document.get("batch") or {}
        if "approval" in document and about.get("id") == subject_id:
            token = str(document["approval"]["token"])

    return token


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
            f"profile      export EVS_TRANSFER_PROFILE_FILE={profile}",
            soft_wrap=True,
        )
        console.print(
            "             (the URL and account A's FAKE demo keys, which sign the calls)"
        )
        console.print(
            f"admin        {server.url}/_localcloud/outbox, calls, invocations"
        )
        console.print("functions    create_transfer, accept_transfer, sweep_transfers")
        console.print("Ctrl-C stops it.")
        # A TERM (kill, a service manager) stops it as cleanly as Ctrl-C: the profile
        # with the keys is removed either way.
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("stopped")
    cloud.close()
