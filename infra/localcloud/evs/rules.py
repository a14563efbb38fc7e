"""Which disks EVS refuses to put into a transfer, and why.

Huawei documents the constraints (system disks, status, snapshots, backups, backup
policies, encryption, yearly/monthly billing, DSS/DESS) but neither codes nor texts:
every refusal is ``400 EVS.5400 "Invalid volume: <reason>"`` in Cinder's wording, with
one distinct reason per rule so that tests can tell them apart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localcloud.evs.models import Volume


@dataclasses.dataclass(frozen=True)
class VolumeFacts:
    """What the rules look at: the volume and what other services know about it.

    Attributes:
        volume: The disk.
        snapshots: How many EVS snapshots it has (any status).
        backups: How many CBR backups it has (any status).
        vaults: Ids of the CBR vaults that protect it (backup policy association).
    """

    volume: Volume
    snapshots: int = 0
    backups: int = 0
    vaults: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class TransferRule:
    """One constraint: its name, the reason EVS gives, and when it is violated."""

    name: str
    reason: str
    violated: Callable[[VolumeFacts], bool]


def _encrypted(facts: VolumeFacts) -> bool:
    return facts.volume.metadata.get("__system__encrypted") == "1"


def _dedicated(facts: VolumeFacts) -> bool:
    volume = facts.volume
    return volume.service_type in {"DSS", "DESS"} or bool(volume.dedicated_storage_id)


# Checked in order; the first violated rule answers. The system-disk rule comes before
# the status rule because a system disk is always attached (in-use), and "system disk"
# is the reason that tells an operator what to do.
TRANSFER_RULES: tuple[TransferRule, ...] = (
    TransferRule(
        "system_disk",
        "system disks cannot be transferred",
        lambda f: 0 in f.volume.boot_indexes.values(),
    ),
    TransferRule(
        "available",
        "status must be available",
        lambda f: f.volume.status != "available",
    ),
    TransferRule(
        "no_snapshots",
        "volume has snapshots, which cannot be transferred",
        lambda f: f.snapshots > 0,
    ),
    TransferRule(
        "no_backups",
        "volume has CBR backups, which cannot be transferred",
        lambda f: f.backups > 0,
    ),
    TransferRule(
        "no_backup_policy",
        "volume is associated with a backup policy (CBR vault)",
        lambda f: bool(f.vaults),
    ),
    TransferRule(
        "not_encrypted",
        "encrypted volumes cannot be transferred",
        _encrypted,
    ),
    TransferRule(
        "not_prepaid",
        "yearly/monthly volumes cannot be transferred",
        lambda f: bool(f.volume.metadata.get("orderID")),
    ),
    TransferRule(
        "not_dedicated",
        "DSS and DESS volumes cannot be transferred",
        _dedicated,
    ),
)


def first_violation(facts: VolumeFacts) -> TransferRule | None:
    """Return the first rule ``facts`` violate, if any."""
    return next((rule for rule in TRANSFER_RULES if rule.violated(facts)), None)
