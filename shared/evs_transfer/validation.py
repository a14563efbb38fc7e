"""Transfer rules: which disks EVS will let go, checked before asking EVS.

EVS refuses a transfer it cannot perform with a bare HTTP 400. The create-function checks
every rule first and reports all reasons at once, each with a stable code, the value found
and what to do about it. Rules are plain functions of the facts read about the disk
(:mod:`evs_transfer.inspection`); ``RULES`` lists them in the order they are reported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Literal

from evs_transfer.inspection import DiskFacts, Unavailable
from evs_transfer.models import Quota, QuotaUsage, Volume

MAX_LISTED_IDS = 20
MAX_TRANSFER_NAME = 64
SYSTEM_DEVICES = ("/dev/vda", "/dev/sda", "/dev/xvda")

Severity = Literal["error", "warning"]


@dataclasses.dataclass(frozen=True)
class Finding:
    """One rule the disk breaks (or a warning): a stable code, a sentence, facts and a fix."""

    code: str
    message: str
    fix: str
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)
    severity: Severity = "error"

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as the JSON callers receive."""
        return {
            "code": self.code,
            "message": self.message,
            "fix": self.fix,
            "detail": self.detail,
            "severity": self.severity,
        }


def unavailable_finding(fact: Unavailable) -> Finding:
    """Return the finding for a check whose read failed: never a silent pass."""
    return Finding(
        code="check_unavailable",
        message=f"the {fact.check} check could not run: {fact.service} {fact.operation} failed",
        fix="retry later; if it persists, check the broker's access to that service",
        detail=dataclasses.asdict(fact),
    )


def _volume_exists(facts: DiskFacts) -> list[Finding]:
    if facts.volume is None:
        return [
            Finding(
                code="volume_not_found",
                message=f"disk {facts.volume_id} does not exist in the source project",
                fix="check the disk id, the source account and the region",
                detail={"volume_id": facts.volume_id},
            )
        ]

    return []


def _status(volume: Volume) -> list[Finding]:
    if volume.status == "awaiting-transfer":
        return [
            Finding(
                code="volume_transfer_pending",
                message=f"disk {volume.id} already has a pending EVS transfer",
                fix="accept or delete the existing EVS transfer first",
                detail={"status": volume.status},
            )
        ]
    if volume.status != "available":
        return [
            Finding(
                code="volume_not_available",
                message=f"disk {volume.id} is {volume.status!r}, not 'available'",
                fix="wait until the disk is available, or detach it",
                detail={"status": volume.status},
            )
        ]

    return []


def _attachments(volume: Volume) -> list[Finding]:
    if not volume.attachments:
        return []

    return [
        Finding(
            code="volume_attached",
            message=f"disk {volume.id} is attached to {len(volume.attachments)} server(s)",
            fix="detach the disk from every server",
            detail={
                "server_ids": [
                    attachment.server_id for attachment in volume.attachments
                ]
            },
        )
    ]


def _system_disk(facts: DiskFacts, volume: Volume) -> list[Finding]:
    if isinstance(facts.boot_devices, Unavailable):
        return [unavailable_finding(facts.boot_devices)]
    system = [
        device
        for device in facts.boot_devices
        if device.boot_index == 0
        or (device.boot_index is None and device.device in SYSTEM_DEVICES)
    ]
    if system:
        return [
            Finding(
                code="volume_is_system_disk",
                message=f"disk {volume.id} is the system disk of server {system[0].server_id}",
                fix="only data disks can be transferred; move the data to a data disk",
                detail={"server_id": system[0].server_id, "device": system[0].device},
            )
        ]
    if volume.bootable and not volume.attachments:
        return [
            Finding(
                code="volume_bootable",
                message=f"disk {volume.id} is bootable; EVS may treat it as a system disk",
                fix="nothing to do if it is used as a data disk",
                detail={"bootable": True},
                severity="warning",
            )
        ]

    return []


def _listed(
    fact: list[str] | Unavailable, *, code: str, what: str, fix: str, volume_id: str
) -> list[Finding]:
    if isinstance(fact, Unavailable):
        return [unavailable_finding(fact)]
    if not fact:
        return []

    return [
        Finding(
            code=code,
            message=f"disk {volume_id} has {len(fact)} {what}",
            fix=fix,
            detail={"ids": fact[:MAX_LISTED_IDS], "count": len(fact)},
        )
    ]


def _snapshots(facts: DiskFacts, volume: Volume) -> list[Finding]:
    return _listed(
        facts.snapshot_ids,
        code="volume_has_snapshots",
        what="EVS snapshot(s)",
        fix="delete every snapshot of the disk, CBR-made ones included",
        volume_id=volume.id,
    )


def _backups(facts: DiskFacts, volume: Volume) -> list[Finding]:
    return _listed(
        facts.backup_ids,
        code="volume_has_backups",
        what="CBR backup(s)",
        fix="delete the disk's CBR backups (or keep them in a copy elsewhere) first",
        volume_id=volume.id,
    )


def _vaults(facts: DiskFacts, volume: Volume) -> list[Finding]:
    if isinstance(facts.vaults, Unavailable):
        return [unavailable_finding(facts.vaults)]

    return [
        Finding(
            code="volume_in_backup_vault",
            message=f"disk {volume.id} is a resource of CBR vault {vault.name or vault.id}",
            fix="remove the disk from the vault (and so from its backup policies)",
            detail={
                "vault_id": vault.id,
                "vault_name": vault.name,
                "policies": list(vault.policies),
            },
        )
        for vault in facts.vaults
    ]


def _metadata(volume: Volume) -> list[Finding]:
    findings = []
    if volume.metadata.get("__system__encrypted") == "1":
        findings.append(
            Finding(
                code="volume_encrypted",
                message=f"disk {volume.id} is encrypted; EVS does not transfer encrypted disks",
                fix="copy the data to an unencrypted disk and transfer that one",
                detail={"kms_key_id": volume.metadata.get("__system__cmkid")},
            )
        )
    if volume.metadata.get("orderID"):
        findings.append(
            Finding(
                code="volume_prepaid",
                message=f"disk {volume.id} is billed yearly/monthly",
                fix="change the disk's billing to pay-per-use first",
                detail={"order_id": volume.metadata["orderID"]},
            )
        )
    if volume.service_type in ("DSS", "DESS") or volume.dedicated_storage_id:
        findings.append(
            Finding(
                code="volume_on_dedicated_storage",
                message=f"disk {volume.id} lives on dedicated storage ({volume.service_type})",
                fix="only EVS disks on shared storage can be transferred",
                detail={
                    "service_type": volume.service_type,
                    "dedicated_storage_id": volume.dedicated_storage_id,
                },
            )
        )

    return findings


def quota_findings(
    quota: Quota | Unavailable | None, size_gb: int, volume_type: str | None
) -> list[Finding]:
    """Check that the target project can take one more disk of this size and type."""
    if quota is None:
        return []
    if isinstance(quota, Unavailable):
        return [unavailable_finding(quota)]
    kind = (volume_type or "").upper()
    wanted = [
        ("volumes", quota.volumes, 1),
        ("gigabytes", quota.gigabytes, size_gb),
        (f"volumes_{kind}", quota.volumes_by_type.get(kind), 1),
        (f"gigabytes_{kind}", quota.gigabytes_by_type.get(kind), size_gb),
    ]

    return [
        _quota_finding(name, usage, need)
        for name, usage, need in wanted
        if _short(usage, need)
    ]


def _short(usage: QuotaUsage | None, need: int) -> bool:
    room = usage.room() if usage else None

    return room is not None and room < need


def _quota_finding(name: str, usage: QuotaUsage | None, need: int) -> Finding:
    room = usage.room() if usage else None

    return Finding(
        code="target_quota_exceeded",
        message=f"the target project's EVS quota {name} has room for {room}, {need} needed",
        fix="raise the target project's EVS quota, or free some of it",
        detail={"quota": name, "room": room, "needed": need},
    )


VolumeRule = Callable[[DiskFacts, Volume], list[Finding]]

RULES: tuple[VolumeRule, ...] = (
    lambda _facts, volume: _status(volume),
    lambda _facts, volume: _attachments(volume),
    _system_disk,
    _snapshots,
    _backups,
    _vaults,
    lambda _facts, volume: _metadata(volume),
    lambda facts, volume: quota_findings(
        facts.target_quota, volume.size_gb, volume.volume_type
    ),
)


def check_disk(facts: DiskFacts) -> list[Finding]:
    """Apply every rule to the facts; return each broken rule and each warning."""
    if isinstance(facts.volume, Unavailable):
        return [unavailable_finding(facts.volume)]
    if facts.volume is None:
        return _volume_exists(facts)

    return [finding for rule in RULES for finding in rule(facts, facts.volume)]


def screen_volume(volume_id: str, volume: Volume | None) -> list[Finding]:
    """Apply the rules a disk listing alone can decide (a batch's cheap first pass).

    Status, attachments, encryption, billing and storage come with the disk itself;
    snapshots, backups, vaults, boot devices and quota need reads of their own and are
    left to the full check each disk gets before its transfer is created.
    """
    if volume is None:
        return _volume_exists(DiskFacts(volume_id=volume_id, volume=None))

    return [*_status(volume), *_attachments(volume), *_metadata(volume)]


def target_findings(source: str, target: str | None, target_name: str) -> list[Finding]:
    """Check the target account: a configured member other than the source."""
    if target is None:
        return [
            Finding(
                code="target_not_member",
                message=f"the target account {target_name!r} is not a configured member",
                fix="name a member account, or add it to the broker's configuration",
                detail={"account": target_name},
            )
        ]
    if target == source:
        return [
            Finding(
                code="target_is_source",
                message=f"the target account {target!r} is the source account",
                fix="name another member account as the target",
                detail={"account": target},
            )
        ]

    return []


def open_transfer_finding(volume_id: str, transfer_id: str, state: str) -> Finding:
    """Return the finding for a disk that already has an open request in the broker."""
    return Finding(
        code="transfer_already_requested",
        message=f"disk {volume_id} already has an open transfer request {transfer_id}",
        fix="wait until that request is decided or expires",
        detail={"transfer_id": transfer_id, "state": state},
    )


def name_findings(name: str) -> list[Finding]:
    """Check the EVS transfer name against EVS's limit."""
    if len(name) <= MAX_TRANSFER_NAME:
        return []

    return [
        Finding(
            code="transfer_name_too_long",
            message=f"the transfer name has {len(name)} characters; EVS takes {MAX_TRANSFER_NAME}",
            fix=f"shorten the name to {MAX_TRANSFER_NAME} characters or leave it out",
            detail={"length": len(name), "limit": MAX_TRANSFER_NAME},
        )
    ]


def evs_refused_finding(error_code: str | None, message: str) -> Finding:
    """Return the finding for an EVS create refused despite the checks (a race)."""
    return Finding(
        code="evs_refused",
        message=f"EVS refused the transfer: {message}",
        fix="the disk changed after the checks (a snapshot, a backup policy?); check it again",
        detail={"error_code": error_code},
    )


def errors_of(findings: list[Finding]) -> list[Finding]:
    """Return the findings that block a transfer (not the warnings)."""
    return [finding for finding in findings if finding.severity == "error"]
