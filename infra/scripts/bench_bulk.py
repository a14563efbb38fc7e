"""Time a bulk request of many disks, sequential against bounded concurrency.

Serves the demo world plus ``--disks`` disks in-process, injects ``--latency-ms`` on
every cloud operation, and asks for every disk to move, first one at a time, then with
``--concurrency`` requests in flight, through the CLI's bulk runner. Prints both wall
times, their ratio (the goal is at least 6), and the peak number of requests in flight,
which must never pass the limit. Run with ``make bench-bulk``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from evs_transfer.cli.bulk import request_each
from evs_transfer.cli.client import ApiClient
from localcloud.cloud import LocalCloud

ROOT = Path(__file__).resolve().parents[2]
WORLD_FILE = ROOT / "infra" / "localcloud" / "worlds" / "demo.yaml"
OPERATIONS = (
    "show_volume",
    "list_snapshots",
    "list_backups",
    "list_vault",
    "cinder_list_quotas",
    "cinder_create_volume_transfer",
    "encrypt_data",
    "publish_message",
    "create_temporary_access_key_by_agency",
)


class CountingClient(ApiClient):
    """The API client, counting the requests it has in flight."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0

    def request_transfer(self, body: dict[str, Any]) -> dict[str, Any]:
        """Count, then ask."""
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            return super().request_transfer(body)
        finally:
            with self._lock:
                self.in_flight -= 1


def main(argv: list[str] | None = None) -> int:
    """Run both timings; exit non-zero if a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disks", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    options = parser.parse_args(argv)
    os.chdir(ROOT)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    sequential, _ = _timed(options, concurrency=1)
    concurrent, peak = _timed(options, concurrency=options.concurrency)
    ratio = sequential / concurrent
    print(f"{options.disks} disks, {options.latency_ms} ms per cloud call")
    print(f"sequential         {sequential:8.1f} s")
    print(f"concurrency {options.concurrency:<6} {concurrent:8.1f} s")
    print(f"speed-up           {ratio:8.1f} x   (goal: at least 6)")
    print(f"peak in flight     {peak:8d}     (limit: {options.concurrency})")

    return 0 if ratio >= 6 and peak <= options.concurrency else 1


def _timed(options: argparse.Namespace, *, concurrency: int) -> tuple[float, int]:
    cloud = LocalCloud(_world(options.disks), code_root=ROOT)
    # The functions log JSON lines for LTS on standard output: not what this reports.
    with cloud.serve() as server, contextlib.redirect_stdout(io.StringIO()):
        for operation in OPERATIONS:
            cloud.add_fault(operation, "latency", latency_ms=options.latency_ms)
        client = CountingClient(f"{server.url}/apig")
        disks = [_disk_id(n) for n in range(options.disks)]
        started = time.perf_counter()
        verdicts = request_each(
            client,
            disks,
            lambda volume: {
                "volume_id": volume,
                "source_account": "account-a",
                "target_account": "account-b",
                "requester": "bench",
            },
            concurrency=concurrency,
            progress=None,
        )
        elapsed = time.perf_counter() - started
    cloud.close()
    offered = sum(v.outcome == "offered" for v in verdicts)
    if offered != options.disks:
        raise SystemExit(f"only {offered} of {options.disks} disks were offered")

    return elapsed, client.peak


def _world(disks: int) -> dict[str, Any]:
    world = yaml.safe_load(WORLD_FILE.read_text(encoding="utf-8"))
    broker = next(a for a in world["accounts"] if a["name"] == "broker")
    broker["volumes"] += [
        {"id": _disk_id(n), "name": f"bulk-{n:03d}", "size": 10} for n in range(disks)
    ]
    target = next(a for a in world["accounts"] if a["name"] == "account-b")
    target["quotas"] = {"volumes": disks + 10, "gigabytes": 100 * disks}

    return dict(world)


def _disk_id(n: int) -> str:
    return f"10000000-0000-4000-8000-00000000{n + 1000:04d}"


if __name__ == "__main__":
    sys.exit(main())
