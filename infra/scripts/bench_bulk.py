"""Time a bulk request of many disks, sequential against bounded concurrency.

Serves the demo world plus ``--disks`` disks in-process, injects ``--latency-ms`` on
every cloud operation, and asks for every disk to move three times: one request at a
time, then ``--concurrency`` requests in flight through the CLI's bulk runner, then as one
batch that the create-function fans out over SMN, with ``--concurrency`` asynchronous
invocations at once (FunctionGraph's scaling, as localcloud runs it). Prints each wall
time, its ratio to the sequential run (the goal is at least 6), and the peak number of
requests or invocations in flight, which must never pass the limit. Run with ``make
bench-bulk``.
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

from evs_transfer.cli.bulk import request_each
from evs_transfer.cli.client import ApiClient
from evs_transfer.cli.signing import ApiCredentials
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
    "list_volumes",
)
SOURCE = {
    "source_account": "account-a",
    "target_account": "account-b",
    "requester": "bench",
}


class CountingClient(ApiClient):
    """The API client, counting the requests it has in flight."""

    def __init__(self, base_url: str, credentials: ApiCredentials) -> None:
        super().__init__(base_url, credentials)
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

    limit = options.concurrency
    sequential, _ = _timed(options, concurrency=1)
    concurrent, peak = _timed(options, concurrency=limit)
    fanned_out, peak_invocations = _timed_batch(options)
    print(f"{options.disks} disks, {options.latency_ms} ms per cloud call")
    print(f"sequential requests      {sequential:8.1f} s")
    print(
        f"{limit} requests in flight   {concurrent:8.1f} s   "
        f"{sequential / concurrent:5.1f} x   peak {peak} (limit {limit})"
    )
    print(
        f"one batch, fanned out    {fanned_out:8.1f} s   "
        f"{sequential / fanned_out:5.1f} x   peak {peak_invocations} invocations"
        f" (limit {limit})"
    )
    print("goal: at least 6 x faster than sequential, never above the limit")
    fast = min(sequential / concurrent, sequential / fanned_out) >= 6
    bounded = max(peak, peak_invocations) <= limit

    return 0 if fast and bounded else 1


@contextlib.contextmanager
def _slow_cloud(
    options: argparse.Namespace, async_workers: int = 8
) -> Iterator[tuple[LocalCloud, str]]:
    """Serve the world with the latency on every operation; yield it and the API URL."""
    cloud = LocalCloud(
        _world(options.disks), code_root=ROOT, async_workers=async_workers
    )
    # The functions log JSON lines for LTS on standard output: not what this reports.
    with cloud.serve() as server, contextlib.redirect_stdout(io.StringIO()):
        for operation in OPERATIONS:
            cloud.add_fault(operation, "latency", latency_ms=options.latency_ms)
        yield cloud, f"{server.url}/apig"
    cloud.close()


def _timed(options: argparse.Namespace, *, concurrency: int) -> tuple[float, int]:
    with _slow_cloud(options) as (cloud, api_url):
        client = CountingClient(api_url, _operator(cloud))
        disks = [_disk_id(n) for n in range(options.disks)]
        started = time.perf_counter()
        verdicts = request_each(
            client,
            disks,
            lambda volume: {**SOURCE, "volume_id": volume},
            concurrency=concurrency,
            progress=None,
        )
        elapsed = time.perf_counter() - started
    offered = sum(v.outcome == "offered" for v in verdicts)
    if offered != options.disks:
        raise SystemExit(f"only {offered} of {options.disks} disks were offered")

    return elapsed, client.peak


def _timed_batch(options: argparse.Namespace) -> tuple[float, int]:
    with _slow_cloud(options, async_workers=options.concurrency) as (cloud, api_url):
        client = ApiClient(api_url, _operator(cloud))
        disks = [_disk_id(n) for n in range(options.disks)]
        started = time.perf_counter()
        batch = client.request_batch({**SOURCE, "volume_ids": disks})["batch"]
        while batch["counts"].get("queued"):
            time.sleep(0.1)
            batch = client.batch(batch["id"])
        elapsed = time.perf_counter() - started
        cloud.wait_idle(timeout=60)  # the batch's notices, sent after the last disk
        creates = [
            (i.started_at, i.finished_at)
            for i in cloud.invocations
            if i.mode == "async" and i.function_name == "create_transfer"
        ]
    if batch["counts"].get("pending_approval") != options.disks:
        raise SystemExit(f"the batch did not offer every disk: {batch['counts']}")

    return elapsed, _peak(creates)


def _operator(cloud: LocalCloud) -> ApiCredentials:
    broker = cloud.account("broker")

    return ApiCredentials(broker.access_key, SecretStr(broker.secret_key))


def _peak(intervals: list[tuple[Any, Any]]) -> int:
    # The most invocations running at one moment, from their start and end times.
    edges = sorted(
        [(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals]
    )
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)

    return peak


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
