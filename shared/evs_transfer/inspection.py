"""Reading what the transfer rules need to know about a disk, in as few calls as possible.

One read per fact: the disk itself (EVS), its snapshots (EVS), its backups and the vaults
holding it (CBR, plus one policy read per vault found), how it is attached (ECS, one read per
attachment) and the target project's quota (EVS, with the target's agency). Further reads are
skipped once the disk is known not to exist. A read that fails does not stop the others: its
fact becomes :class:`Unavailable`, which the rules report as ``check_unavailable``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from evs_transfer.cloud.accounts import Cloud
from evs_transfer.config import MemberAccount
from evs_transfer.errors import CloudError
from evs_transfer.logs import get_logger
from evs_transfer.models import CbrVault, Quota, Volume

T = TypeVar("T")

log = get_logger()


@dataclasses.dataclass(frozen=True)
class Unavailable:
    """A fact that could not be read, and why."""

    check: str
    service: str
    operation: str
    http_status: int | None
    error_code: str | None


@dataclasses.dataclass(frozen=True)
class BootDevice:
    """How the disk is attached to one server."""

    server_id: str
    device: str | None
    boot_index: int | None


@dataclasses.dataclass(frozen=True)
class DiskFacts:
    """Everything the rules look at; a fact is ``Unavailable`` when its read failed."""

    volume_id: str
    volume: Volume | Unavailable | None
    snapshot_ids: list[str] | Unavailable = dataclasses.field(default_factory=list)
    backup_ids: list[str] | Unavailable = dataclasses.field(default_factory=list)
    vaults: list[CbrVault] | Unavailable = dataclasses.field(default_factory=list)
    boot_devices: list[BootDevice] | Unavailable = dataclasses.field(
        default_factory=list
    )
    target_quota: Quota | Unavailable | None = None


def inspect_disk(
    cloud: Cloud, source: MemberAccount, target: MemberAccount | None, volume_id: str
) -> DiskFacts:
    """Read every fact the rules need about ``volume_id`` in ``source``.

    Args:
        cloud: The invocation's cloud clients.
        source: The account that owns the disk.
        target: The receiving account, whose quota is read; None when it is not a member.
        volume_id: The disk.
    """
    volume = _read("volume", lambda: cloud.evs(source).show_volume(volume_id))
    if not isinstance(volume, Volume):
        return DiskFacts(volume_id=volume_id, volume=volume)

    return DiskFacts(
        volume_id=volume_id,
        volume=volume,
        snapshot_ids=_read(
            "snapshots", lambda: cloud.evs(source).list_snapshot_ids(volume_id)
        ),
        backup_ids=_read(
            "backups", lambda: cloud.cbr(source).list_backup_ids(volume_id)
        ),
        vaults=_read(
            "backup_vaults", lambda: cloud.cbr(source).vaults_holding(volume_id)
        ),
        boot_devices=_read("system_disk", lambda: _boot_devices(cloud, source, volume)),
        target_quota=read_target_quota(cloud, target),
    )


def read_target_quota(
    cloud: Cloud, target: MemberAccount | None
) -> Quota | Unavailable | None:
    """Read the target project's EVS quota with the target's credentials."""
    if target is None:
        return None
    project_id = target.project_id(cloud.region)

    return _read("target_quota", lambda: cloud.evs(target).quota(project_id))


def _boot_devices(
    cloud: Cloud, source: MemberAccount, volume: Volume
) -> list[BootDevice]:
    if not volume.attachments:
        return []
    ecs = cloud.ecs(source)

    return [
        BootDevice(
            server_id=attachment.server_id,
            device=attachment.device,
            boot_index=ecs.boot_index(attachment.server_id, volume.id),
        )
        for attachment in volume.attachments
    ]


def _read(check: str, action: Callable[[], T]) -> T | Unavailable:
    try:
        return action()
    except CloudError as exc:
        log.warning(
            "check.unavailable",
            check=check,
            service=exc.service,
            operation=exc.operation,
            http_status=exc.http_status,
            error_code=exc.error_code,
        )
        return Unavailable(
            check=check,
            service=exc.service,
            operation=exc.operation,
            http_status=exc.http_status,
            error_code=exc.error_code,
        )
