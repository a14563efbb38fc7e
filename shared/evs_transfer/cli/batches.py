"""``evs-transfer batch …`` and the batch path of ``request``: many disks, one offer.

A batch is sent as one request; the broker checks and offers its disks one by one, so the
CLI follows it with a progress bar until every disk has a verdict, then shows each one.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from evs_transfer.cli import exits
from evs_transfer.cli.client import ApiClient
from evs_transfer.cli.common import (
    Output,
    TokenFile,
    Url,
    client_for,
    command,
    err,
    out,
    read_token,
    table,
)
from evs_transfer.cli.profile import load_profile

POLL_SECONDS = 0.5

batch_app = typer.Typer(
    help="Follow and decide batches: many disks offered together, one token for all.",
    no_args_is_help=True,
)

Seconds = Annotated[
    float,
    typer.Option(
        "--wait",
        min=0,
        help="Seconds to wait for every disk's verdict; 0 returns once it is recorded.",
    ),
]


def parse_tag(tag: str) -> dict[str, str]:
    """Return the API's tag selector for ``key=value`` (``key`` alone: any value)."""
    key, _, value = tag.partition("=")
    if not key.strip():
        raise typer.BadParameter("a tag such as team=data", param_hint="--tag")

    return {"key": key.strip(), "value": value.strip()}


def request_batch(
    client: ApiClient,
    body: dict[str, Any],
    *,
    wait: float,
    progress: Progress,
    output: str,
) -> int:
    """Send one batch request, follow it until its disks are settled, show each one.

    Returns:
        The exit code: 0 when every disk was offered (or is eligible, in a dry run).
    """
    answer = client.request_batch(body)
    if answer.get("dry_run"):
        return _show_dry_run(answer, output)

    batch = follow(
        client,
        answer["batch"],
        states=("queued",),
        label="offering",
        wait=wait,
        progress=progress,
    )
    show_batch(batch, output)

    return exits.OK if not batch["counts"].get("refused") else exits.REFUSED


def follow(
    client: ApiClient,
    batch: dict[str, Any],
    *,
    states: tuple[str, ...],
    label: str,
    wait: float,
    progress: Progress,
) -> dict[str, Any]:
    """Poll a batch until none of its disks is in ``states``, or ``wait`` seconds passed.

    The broker works on each disk in an invocation of its own; the bar shows how many
    have left ``states`` so far.
    """

    def left(view: dict[str, Any]) -> int:
        return sum(view["counts"].get(state, 0) for state in states)

    total = left(batch)
    task = progress.add_task(label, total=total)
    deadline = time.monotonic() + wait
    while left(batch) and time.monotonic() < deadline:
        progress.update(task, completed=total - left(batch))
        time.sleep(POLL_SECONDS)
        batch = client.batch(batch["id"])
    progress.update(task, completed=total - left(batch))

    return batch


def show_batch(batch: dict[str, Any], output: str) -> None:
    """Print a batch: one row per disk, then the counts."""
    if output == "json":
        out.print_json(json.dumps(batch))
        return
    out.print(f"batch {batch['id']} is {batch['state']}")
    rows = table("disk", "state", "transfer", "why")
    for volume in batch["volumes"]:
        rows.add_row(
            volume["volume_id"],
            volume["state"],
            volume["transfer_id"] or "-",
            volume["failure_reason"] or "",
        )
    out.print(rows)
    out.print(", ".join(f"{n} {state}" for state, n in batch["counts"].items()))


def _show_dry_run(answer: dict[str, Any], output: str) -> int:
    if output == "json":
        out.print_json(json.dumps(answer))
    else:
        rows = table("disk", "verdict", "why")
        for volume in answer["volumes"]:
            codes = [f["code"] for f in volume["findings"] if f["severity"] == "error"]
            verdict = "eligible" if volume["eligible"] else "ineligible"
            rows.add_row(volume["volume_id"], verdict, ", ".join(codes))
        out.print(rows)
        out.print(
            f"{answer['eligible']} of {answer['volume_count']} pass the batch checks;"
            " each disk gets the full check when it is offered"
        )

    return exits.OK if answer["eligible"] == answer["volume_count"] else exits.REFUSED


@batch_app.command("status")
@command
def batch_status(batch_id: str, url: Url = None, output: Output = "table") -> None:
    """Show a batch: each disk's state and transfer, and the counts.

    Example: evs-transfer batch status 9b1f0c2e5d4a4f6e8a7b3c2d1e0f9a8b
    """
    show_batch(client_for(url, load_profile()).batch(batch_id), output)


@batch_app.command("approve")
@command
def batch_approve(
    batch_id: str,
    token_file: TokenFile = None,
    approver: Annotated[str, typer.Option(help="Your name, for the audit trail.")] = "",
    wait: Seconds = 300,
    url: Url = None,
    output: Output = "table",
) -> None:
    """Approve every pending disk of a batch with the batch's token.

    To approve some disks only, approve their transfers one by one with the same
    token: evs-transfer approve TRANSFER_ID.

    Example: evs-transfer batch approve 9b1f0c2e… --token-file ~/batch-token
    """
    _decide_batch(batch_id, "approve", token_file, approver, "", wait, url, output)


@batch_app.command("reject")
@command
def batch_reject(
    batch_id: str,
    reason: Annotated[str, typer.Option(help="Told to the source account.")] = "",
    token_file: TokenFile = None,
    approver: Annotated[str, typer.Option(help="Your name, for the audit trail.")] = "",
    wait: Seconds = 300,
    url: Url = None,
    output: Output = "table",
) -> None:
    """Refuse every pending disk of a batch; they stay with their owner.

    Example: evs-transfer batch reject 9b1f0c2e… --reason "not ours" < token.txt
    """
    _decide_batch(batch_id, "reject", token_file, approver, reason, wait, url, output)


def _decide_batch(
    batch_id: str,
    decision: str,
    token_file: Path | None,
    approver: str,
    reason: str,
    wait: float,
    url: str | None,
    output: str,
) -> None:
    client = client_for(url, load_profile())
    body = {"decision": decision, "token": read_token(token_file), "approver": approver}
    if reason:
        body["reason"] = reason
    batch = client.decide_batch(batch_id, body)
    with Progress(console=err, transient=True, disable=output == "json") as progress:
        # The decision reaches each disk in its own invocation: wait until none is open.
        batch = follow(
            client,
            batch,
            states=("pending_approval", "accepting"),
            label="deciding",
            wait=wait,
            progress=progress,
        )
    show_batch(batch, output)
    # Done is every offered disk where the decision was to take it; anything else (open,
    # expired, failed, decided otherwise one by one) is for the operator to look at.
    wanted = {"approve": "accepted", "reject": "rejected"}[decision]
    if set(batch["counts"]) - {wanted, "refused"}:
        raise typer.Exit(exits.REFUSED)
