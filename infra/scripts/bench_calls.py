"""Count the Huawei API calls one create and one accept cost, from localcloud's call log.

Serves the demo world in-process, offers and approves disks through the HTTP API, and
prints, per step, the calls by operation: the first transfer pays for assuming the target's
agency; the next ones find the credentials cached. Run with ``make bench``.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import requests
from pydantic import SecretStr

from evs_transfer.cli.client import ApiClient
from evs_transfer.cli.signing import ApiCredentials
from localcloud.cloud import LocalCloud

ROOT = Path(__file__).resolve().parents[2]
WORLD_FILE = ROOT / "infra" / "localcloud" / "worlds" / "demo.yaml"
DISKS = ("10000000-0000-4000-8000-000000000001", "10000000-0000-4000-8000-000000000002")
B_TOPIC = (
    "urn:smn:cn-north-4:b1000000000000000000000000000001:evs-transfer-notifications"
)
TIMEOUT = 30


def main() -> int:
    """Measure and print; return the process exit status."""
    os.chdir(ROOT)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    cloud = LocalCloud.from_world_file(WORLD_FILE, code_root=ROOT)
    rows: list[tuple[str, collections.Counter[str]]] = []
    # The functions log JSON lines for LTS on standard output: not what this reports.
    with cloud.serve() as server, contextlib.redirect_stdout(io.StringIO()):
        for index, disk in enumerate(DISKS):
            label = "first" if index == 0 else "cached agency"
            mark = len(cloud.calls)
            transfer_id = _create(cloud, server.url, disk)
            rows.append((f"create ({label})", _since(cloud, mark)))
            mark = len(cloud.calls)
            _accept(server.url, transfer_id, _token(cloud, transfer_id))
            rows.append((f"accept ({label})", _since(cloud, mark)))
    cloud.close()
    _print(rows)

    return 0


def _create(cloud: LocalCloud, url: str, volume_id: str) -> str:
    body = {
        "volume_id": volume_id,
        "source_account": "account-a",
        "target_account": "account-b",
        "requester": "bench",
    }
    broker = cloud.account("broker")
    operator = ApiCredentials(broker.access_key, SecretStr(broker.secret_key))
    client = ApiClient(f"{url}/apig", operator)

    return str(client.request_transfer(body)["transfer"]["id"])


def _accept(url: str, transfer_id: str, token: str) -> None:
    response = requests.post(
        f"{url}/apig/transfers/{transfer_id}/approval",
        json={"decision": "approve", "token": token},
        timeout=TIMEOUT,
    )
    response.raise_for_status()


def _token(cloud: LocalCloud, transfer_id: str) -> str:
    for delivery in cloud.outbox:
        if delivery["topic_urn"] == B_TOPIC and delivery["protocol"] == "https":
            document: dict[str, Any] = json.loads(delivery["message"])
            if document["transfer"]["id"] == transfer_id:
                return str(document["approval"]["token"])

    raise SystemExit(f"no offer reached account B for {transfer_id}")


def _since(cloud: LocalCloud, mark: int) -> collections.Counter[str]:
    return collections.Counter(str(call["operation"]) for call in cloud.calls[mark:])


def _print(rows: list[tuple[str, collections.Counter[str]]]) -> None:
    print(f"{'step':<24}{'calls':>6}  by operation")
    for label, counts in rows:
        detail = ", ".join(f"{op} {n}" for op, n in sorted(counts.items()))
        print(f"{label:<24}{sum(counts.values()):>6}  {detail}")
    first, cached = rows[0][1], rows[2][1]
    saved = sum(first.values()) - sum(cached.values())
    print(f"\ncached agency credentials save {saved} call(s) per create")


if __name__ == "__main__":
    sys.exit(main())
