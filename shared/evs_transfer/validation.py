"""Transfer rules: which disks EVS will let go, checked before asking EVS.

EVS refuses a transfer it cannot perform with a bare HTTP 400. The create-function checks
every rule first and reports all reasons at once, each with a stable code, the value found and
what to do about it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from evs_transfer.models import Volume

MAX_LISTED_IDS = 20


@dataclasses.dataclass(frozen=True)
class Finding:
    """One broken rule: a stable code, a sentence, the facts and the fix."""

    code: str
    message: str
    fix: str
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as the JSON callers receive."""
        return {
            "code": self.code,
            "message": self.message,
            "fix": self.fix,
            "detail": self.detail,
        }


def check_volume(
    volume_id: str, volume: Volume | None, snapshot_ids: Sequence[str]
) -> list[Finding]:
    """Check a disk against the EVS transfer rules; return every rule it breaks."""
    if volume is None:
        return [
            Finding(
                code="volume_not_found",
                message=f"disk {volume_id} does not exist in the source project",
                fix="check the disk id, the source account and the region",
                detail={"volume_id": volume_id},
            )
        ]
    findings = [*_status_findings(volume)]
    if snapshot_ids:
        findings.append(
            Finding(
                code="volume_has_snapshots",
                message=f"disk {volume.id} has {len(snapshot_ids)} snapshot(s)",
                fix="delete the disk's snapshots (CBR-made ones included), then retry",
                detail={"snapshot_ids": list(snapshot_ids[:MAX_LISTED_IDS])},
            )
        )

    return findings


def _status_findings(volume: Volume) -> list[Finding]:
    findings: list[Finding] = []
    if volume.status == "awaiting-transfer":
        findings.append(
            Finding(
                code="volume_transfer_pending",
                message=f"disk {volume.id} already has a pending EVS transfer",
                fix="accept or delete the existing transfer before offering the disk again",
                detail={"status": volume.status},
            )
        )
    elif volume.status != "available":
        findings.append(
            Finding(
                code="volume_not_available",
                message=f"disk {volume.id} is {volume.status!r}, not 'available'",
                fix="wait for the disk to become available, or detach it",
                detail={"status": volume.status},
            )
        )
    if volume.attachment_count:
        findings.append(
            Finding(
                code="volume_attached",
                message=f"disk {volume.id} is attached to {volume.attachment_count} server(s)",
                fix="detach the disk from every server",
                detail={"attachment_count": volume.attachment_count},
            )
        )

    return findings


def same_account_finding(account: str) -> Finding:
    """Return the finding for a transfer whose source and target are the same account."""
    return Finding(
        code="target_is_source",
        message=f"the target account {account!r} is the source account",
        fix="name another member account as the target",
        detail={"account": account},
    )


def open_transfer_finding(volume_id: str, transfer_id: str, state: str) -> Finding:
    """Return the finding for a disk that already has an open request in the broker."""
    return Finding(
        code="transfer_already_requested",
        message=f"disk {volume_id} already has an open transfer request {transfer_id}",
        fix="wait for that request to end, or cancel it",
        detail={"transfer_id": transfer_id, "state": state},
    )
