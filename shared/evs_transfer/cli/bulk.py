"""Many disks at once: one request per disk, a bounded number in flight, one verdict each."""

from __future__ import annotations

import concurrent.futures
import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from rich.progress import Progress

from evs_transfer.cli.client import ApiClient
from evs_transfer.cli.exits import ApiProblem


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What became of one disk of a request."""

    volume_id: str
    outcome: str  # offered, eligible, ineligible, refused, failed
    transfer_id: str | None = None
    state: str | None = None
    codes: tuple[str, ...] = ()
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the verdict as JSON-safe data."""
        return {**dataclasses.asdict(self), "codes": list(self.codes)}


def request_each(
    client: ApiClient,
    volume_ids: Iterable[str],
    body_for: Callable[[str], dict[str, Any]],
    *,
    concurrency: int,
    progress: Progress | None,
) -> list[Verdict]:
    """Ask for one transfer per disk; a refused disk does not stop the others."""
    volumes = list(dict.fromkeys(volume_ids))
    task = progress.add_task("requesting", total=len(volumes)) if progress else None
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = {
            pool.submit(_request_one, client, volume, body_for(volume)): volume
            for volume in volumes
        }
        verdicts = {}
        for future in concurrent.futures.as_completed(futures):
            verdicts[futures[future]] = future.result()
            if progress is not None and task is not None:
                progress.advance(task)

    return [verdicts[volume] for volume in volumes]


def _request_one(client: ApiClient, volume_id: str, body: dict[str, Any]) -> Verdict:
    try:
        answer = client.request_transfer(body)
    except ApiProblem as problem:
        codes = tuple(str(d.get("code", "")) for d in problem.details if "code" in d)
        outcome = "failed" if problem.exit_code == 5 else "refused"
        return Verdict(
            volume_id, outcome, codes=codes or (problem.code,), message=problem.message
        )
    if answer.get("dry_run"):
        codes = tuple(
            f["code"] for f in answer["findings"] if f.get("severity") == "error"
        )
        outcome = "eligible" if answer["eligible"] else "ineligible"
        return Verdict(volume_id, outcome, codes=codes)
    transfer = answer["transfer"]

    return Verdict(
        volume_id, "offered", transfer_id=transfer["id"], state=transfer["state"]
    )
