"""What a batch tells: one offer of all its disks to the target, one summary to the source.

The offer carries the batch's approval token, good for the whole batch and for each of its
disks; it is rendered, with a fresh token, only when it is sent. A message lists at most
:data:`LISTED_DISKS` disks, so that it stays well inside SMN's 256 KB; the rest are named
by ``GET /batches/{id}``.
"""

from __future__ import annotations

import collections
import json
from typing import Any

from pydantic import SecretStr

from evs_transfer.batches import BatchRecord
from evs_transfer.config import Settings
from evs_transfer.models import NoticeKind, TransferRecord, TransferState
from evs_transfer.notifications import (
    Rendered,
    approval_url,
    http_lines,
    messages,
    page_lines,
    page_url,
    quoted,
)

LISTED_DISKS = 100


def batch_offer(
    batch: BatchRecord,
    offered: list[TransferRecord],
    settings: Settings,
    token: SecretStr,
) -> Rendered:
    """Return the subject and messages offering a batch's disks to the target account."""
    total_gb = sum(record.volume_size_gb or 0 for record in offered)
    subject = (
        f"{len(offered)} EVS disks ({total_gb} GB) offered to {batch.target_account}"
        f" from {batch.source_account}"
    )
    url = approval_url(settings, f"/batches/{batch.id}/approval")
    approval = {
        "batch_id": batch.id,
        "decision": "approve",
        "token": token.get_secret_value(),
    }
    expires = min((record.expires_at for record in offered), default=batch.created_at)
    lines = [
        (
            f"Account {batch.source_account} offers your account"
            f" {batch.target_account} {len(offered)} EVS disks, {total_gb} GB in all."
        ),
        "",
        f"  Requested by {quoted(batch.requester)}",
        f"  Reason:      {quoted(batch.reason) if batch.reason else '(none given)'}",
        f"  Batch:       {batch.id}",
        f"  Expires at:  {expires:%Y-%m-%d %H:%M} UTC",
        "",
        *_disk_lines(batch, offered),
        *page_lines(page_url(url, token), "the disks"),
        "",
        "To approve every disk, publish this JSON with your account's credentials to the",
        f"topic {settings.approvals_topic_urn}:",
        "",
        f"  {json.dumps(approval)}",
        "",
        'To refuse them all, send it with "decision": "reject" and a "reason".',
        "To decide disk by disk, send the same token with a disk's transfer_id instead",
        "of the batch_id.",
        *http_lines(url),
        "",
        "The token is valid for this batch's disks only, until they expire.",
        "Do not forward this message.",
    ]
    document = {
        "type": "batch.offered",
        "batch": batch.public_view(),
        "transfers": [_disk(record) for record in offered[:LISTED_DISKS]],
        "transfer_count": len(offered),
        "approval": {
            "token": token.get_secret_value(),
            "approvals_topic_urn": settings.approvals_topic_urn,
            "url": url,
            "page_url": page_url(url, token),
        },
    }

    return subject, messages("\n".join(lines), document)


def batch_summary(batch: BatchRecord, records: list[TransferRecord]) -> Rendered:
    """Return the subject and messages telling the source what became of each disk."""
    offered = [r for r in records if r.state is not TransferState.REFUSED]
    refused = [r for r in records if r.state is TransferState.REFUSED]
    subject = (
        f"Batch to {batch.target_account}: {len(offered)} disks offered,"
        f" {len(refused)} refused"
    )
    lines = [
        f"The request of {quoted(batch.requester)} to transfer {len(records)} disks",
        f"to account {batch.target_account} has been handled:",
        f"{len(offered)} offered, {len(refused)} refused.",
        "",
        *[
            f"  - {record.volume_id}: {record.failure_reason or 'refused'}"
            for record in refused[:LISTED_DISKS]
        ],
        *(["", f"Account {batch.target_account} was told."] if offered else []),
        f"Batch: {batch.id}",
    ]
    document = {
        "type": "batch.summary",
        "batch": batch.public_view(),
        "offered": len(offered),
        "refused": [
            {"transfer_id": r.id, "volume_id": r.volume_id, "codes": r.failure_reason}
            for r in refused[:LISTED_DISKS]
        ],
    }

    return subject, messages("\n".join(lines), document)


def batch_outcome(batch: BatchRecord, records: list[TransferRecord]) -> Rendered:
    """Return the subject and messages telling both sides what a batch decision did."""
    offered = [r for r in records if r.state is not TransferState.REFUSED]
    states = collections.Counter(r.state.value for r in offered)
    moved = states.get(TransferState.ACCEPTED.value, 0)
    subject = (
        f"Batch from {batch.source_account} to {batch.target_account}:"
        f" {moved} of {len(offered)} disks moved"
    )
    others = [r for r in offered if r.state is not TransferState.ACCEPTED]
    decision = batch.decision.value if batch.decision else "nothing"
    lines = [
        (
            f"Account {batch.target_account} decided to {decision} the batch"
            f" requested by {quoted(batch.requester)}:"
        ),
        ", ".join(f"{n} {state}" for state, n in sorted(states.items())) + ".",
        *(["", "Not moved:"] if others else []),
        *[
            f"  - {r.volume_name or r.volume_id} ({r.volume_id}): {r.state.value}"
            + (f", {r.failure_reason}" if r.failure_reason else "")
            for r in others[:LISTED_DISKS]
        ],
        "",
        f"Batch: {batch.id}",
    ]
    document = {
        "type": "batch.decided",
        "batch": batch.public_view(),
        "counts": dict(states),
        "transfers": [
            {"transfer_id": r.id, "volume_id": r.volume_id, "state": r.state.value}
            for r in offered[:LISTED_DISKS]
        ],
    }

    return subject, messages("\n".join(lines), document)


BATCH_KINDS = frozenset(
    {NoticeKind.BATCH_OFFERED, NoticeKind.BATCH_SUMMARY, NoticeKind.BATCH_DECIDED}
)
"""Notices about a batch; their ``transfer_id`` column holds the batch id."""


def _disk_lines(batch: BatchRecord, offered: list[TransferRecord]) -> list[str]:
    lines = [
        f"  {record.volume_name or '(no name)'} ({record.volume_id}),"
        f" {record.volume_size_gb} GB {record.volume_type or ''} - transfer {record.id}"
        for record in offered[:LISTED_DISKS]
    ]
    if len(offered) > LISTED_DISKS:
        more = len(offered) - LISTED_DISKS
        lines.append(f"  ... and {more} more: GET /batches/{batch.id} lists them all")

    return lines


def _disk(record: TransferRecord) -> dict[str, Any]:
    return {
        "transfer_id": record.id,
        "volume_id": record.volume_id,
        "volume_name": record.volume_name,
        "volume_size_gb": record.volume_size_gb,
        "volume_type": record.volume_type,
        "expires_at": record.expires_at.isoformat(),
    }
