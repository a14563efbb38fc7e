"""In-memory EVS state: volumes, snapshots, pending transfers and quotas.

A volume belongs to one project. Its fields mirror ``VolumeDetail`` so that worlds can
describe attached, encrypted, prepaid or dedicated-storage disks; ECS reads the servers'
block devices (with boot indexes) from the same records, and transfers consult CBR for
backups and vaults (``rules.py``) and the accepter's quotas (``quotas.py``).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import hashlib
import hmac
import secrets
import threading
import uuid
from typing import Any, Protocol

from localcloud.evs import errors
from localcloud.evs.quotas import QuotaLimits, admits, quota_set
from localcloud.evs.rules import VolumeFacts, first_violation

CINDER_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def cinder_now() -> str:
    """Current UTC time as Cinder prints it: microseconds, no zone suffix."""
    return dt.datetime.now(dt.timezone.utc).strftime(CINDER_TIME_FORMAT)


@dataclasses.dataclass
class Volume:
    """One EVS disk (``VolumeDetail``)."""

    id: str
    name: str
    project_id: str
    user_id: str
    size: int
    status: str = "available"
    volume_type: str = "SSD"
    availability_zone: str = "cn-north-4a"
    bootable: str = "false"
    multiattach: bool = False
    service_type: str = "EVS"
    description: str = ""
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    attachments: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    dedicated_storage_id: str | None = None
    dedicated_storage_name: str | None = None
    snapshot_id: str | None = None
    source_volid: str | None = None
    enterprise_project_id: str = "0"
    created_at: str = dataclasses.field(default_factory=cinder_now)
    updated_at: str | None = None
    # Not part of VolumeDetail: the hypervisor's view, server id → boot index (0 = the
    # system disk, -1 = a data disk), answered by ECS.
    boot_indexes: dict[str, int] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Snapshot:
    """One EVS snapshot of a volume."""

    id: str
    volume_id: str
    project_id: str
    name: str = ""
    status: str = "available"
    size: int = 0
    description: str = ""
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    created_at: str = dataclasses.field(default_factory=cinder_now)


@dataclasses.dataclass
class Transfer:
    """A pending transfer. Like Cinder, only a salted hash of the auth key is kept."""

    id: str
    name: str
    volume_id: str
    project_id: str
    created_at: str
    salt: bytes = dataclasses.field(repr=False)
    key_hash: str = dataclasses.field(repr=False)

    def key_matches(self, auth_key: str) -> bool:
        """Whether ``auth_key`` is the key handed out at creation."""
        return hmac.compare_digest(self.key_hash, _hash_key(self.salt, auth_key))


def _hash_key(salt: bytes, auth_key: str) -> str:
    return hashlib.sha256(salt + auth_key.encode("utf-8")).hexdigest()


class BackupCatalog(Protocol):
    """What EVS asks CBR before a transfer (CBR never calls back into EVS)."""

    def backups_of(self, volume_id: str) -> int:
        """How many backups of ``volume_id`` exist."""
        ...

    def vaults_of(self, volume_id: str) -> list[str]:
        """Ids of the vaults having ``volume_id`` as a resource."""
        ...


class EvsBackend:
    """Thread-safe EVS state for every project."""

    def __init__(self, backups: BackupCatalog | None = None) -> None:
        self._lock = threading.Lock()
        self._backups = backups
        self._volumes: dict[str, Volume] = {}
        self._snapshots: dict[str, Snapshot] = {}
        self._transfers: dict[str, Transfer] = {}
        self._quotas: dict[str, QuotaLimits] = {}
        # Not part of EVS: every auth_key handed out, so tests can prove none leaked.
        self._issued_auth_keys: list[str] = []

    def reset(self) -> None:
        """Forget everything."""
        with self._lock:
            self._volumes.clear()
            self._snapshots.clear()
            self._transfers.clear()
            self._quotas.clear()
            self._issued_auth_keys.clear()

    def add_volume(self, volume: Volume) -> None:
        """Seed a volume (world loading)."""
        with self._lock:
            if volume.id in self._volumes:
                raise ValueError(f"duplicate volume id {volume.id}")
            self._volumes[volume.id] = copy.deepcopy(volume)

    def add_snapshot(self, snapshot: Snapshot) -> None:
        """Add a snapshot of an existing volume (world loading, or a test mid-flight).

        The snapshot's project and, when zero, its size are taken from the volume.

        Raises:
            ValueError: The volume does not exist.
        """
        with self._lock:
            volume = self._volumes.get(snapshot.volume_id)
            if volume is None:
                raise ValueError(f"snapshot {snapshot.id} names unknown volume")
            self._snapshots[snapshot.id] = dataclasses.replace(
                snapshot,
                project_id=volume.project_id,
                size=snapshot.size or volume.size,
            )

    def create_snapshot(
        self,
        volume_id: str,
        *,
        name: str = "",
        status: str = "available",
        snapshot_id: str | None = None,
    ) -> Snapshot:
        """Snapshot a volume out of band (e.g. from a ``LocalCloud.before`` hook).

        Raises:
            ValueError: The volume does not exist.
        """
        snapshot = Snapshot(
            snapshot_id or str(uuid.uuid4()), volume_id, "", name, status
        )
        self.add_snapshot(snapshot)

        with self._lock:
            return copy.deepcopy(self._snapshots[snapshot.id])

    def set_quotas(self, project_id: str, limits: QuotaLimits) -> None:
        """Set the EVS limits of a project (the defaults apply until then)."""
        with self._lock:
            self._quotas[project_id] = limits

    def quota_set(self, project_id: str) -> dict[str, Any]:
        """Return the project's ``quota_set`` with usage counted from its disks."""
        with self._lock:
            limits = self._quotas.get(project_id, QuotaLimits())
            volumes = [v for v in self._volumes.values() if v.project_id == project_id]
            snapshots = [
                s for s in self._snapshots.values() if s.project_id == project_id
            ]

            return quota_set(project_id, limits, volumes, snapshots)

    def delete_volume(self, project_id: str, volume_id: str) -> None:
        """Delete a disk of ``project_id``, as its owner would from the console.

        The product never deletes disks; tests use this to take one away mid-flight.

        Raises:
            CloudError: 404 for an unknown disk, 400 for one in use or awaiting a transfer.
        """
        with self._lock:
            volume = self._owned_volume(project_id, volume_id)
            if volume.status not in ("available", "error"):
                raise errors.invalid_volume("status must be available or error")
            del self._volumes[volume.id]
            for snapshot_id in [
                s.id for s in self._snapshots.values() if s.volume_id == volume.id
            ]:
                del self._snapshots[snapshot_id]

    def find_volume(self, volume_id: str) -> Volume | None:
        """Return a copy of any project's volume (for other services), if it exists."""
        with self._lock:
            volume = self._volumes.get(volume_id)

            return copy.deepcopy(volume) if volume is not None else None

    def volumes_attached_to(self, server_id: str) -> list[Volume]:
        """Return copies of the volumes attached to a server, oldest first."""
        with self._lock:
            attached = [
                v
                for v in self._volumes.values()
                if any(a["server_id"] == server_id for a in v.attachments)
            ]

            return copy.deepcopy(attached)

    def show_volume(self, project_id: str, volume_id: str) -> Volume:
        """Return a copy of a volume of ``project_id``; 404 otherwise."""
        with self._lock:
            return copy.deepcopy(self._owned_volume(project_id, volume_id))

    def list_volumes(
        self, project_id: str, *, status: str | None, name: str | None
    ) -> list[Volume]:
        """Return copies of the project's volumes, filtered, oldest first."""
        with self._lock:
            volumes = [v for v in self._volumes.values() if v.project_id == project_id]

        matching = [
            v
            for v in volumes
            if (status is None or v.status == status)
            and (name is None or v.name == name)
        ]

        return copy.deepcopy(matching)

    def list_snapshots(
        self, project_id: str, *, volume_id: str | None
    ) -> list[Snapshot]:
        """Return copies of the project's snapshots, optionally of one volume."""
        with self._lock:
            snapshots = [
                s
                for s in self._snapshots.values()
                if s.project_id == project_id
                and (volume_id is None or s.volume_id == volume_id)
            ]

            return copy.deepcopy(snapshots)

    def create_transfer(
        self, project_id: str, volume_id: str, name: str
    ) -> tuple[Transfer, str]:
        """Start a transfer of a volume; return it with its one-time ``auth_key``."""
        with self._lock:
            volume = self._volumes.get(volume_id)
            if volume is None or volume.project_id != project_id:
                raise errors.volume_not_found()
            self._check_transferable(volume)

            auth_key = secrets.token_hex(8)
            salt = secrets.token_bytes(16)
            transfer = Transfer(
                id=str(uuid.uuid4()),
                name=name,
                volume_id=volume_id,
                project_id=project_id,
                created_at=cinder_now(),
                salt=salt,
                key_hash=_hash_key(salt, auth_key),
            )
            self._transfers[transfer.id] = transfer
            self._issued_auth_keys.append(auth_key)
            self._set_status(volume, "awaiting-transfer")

            return copy.copy(transfer), auth_key

    def _check_transferable(self, volume: Volume) -> None:
        snapshots = sum(1 for s in self._snapshots.values() if s.volume_id == volume.id)
        catalog = self._backups
        facts = VolumeFacts(
            volume,
            snapshots=snapshots,
            backups=catalog.backups_of(volume.id) if catalog else 0,
            vaults=tuple(catalog.vaults_of(volume.id)) if catalog else (),
        )
        rule = first_violation(facts)
        if rule is not None:
            raise errors.invalid_volume(rule.reason)

    def issued_auth_keys(self) -> list[str]:
        """Return every ``auth_key`` created since the last reset (a test aid)."""
        with self._lock:
            return list(self._issued_auth_keys)

    def show_transfer(self, project_id: str, transfer_id: str) -> Transfer:
        """Return a transfer of the donor project; 404 for anyone else."""
        with self._lock:
            return copy.copy(self._owned_transfer(project_id, transfer_id))

    def list_transfers(self, project_id: str) -> list[Transfer]:
        """Return the donor project's pending transfers, oldest first."""
        with self._lock:
            return [
                copy.copy(t)
                for t in self._transfers.values()
                if t.project_id == project_id
            ]

    def delete_transfer(self, project_id: str, transfer_id: str) -> None:
        """Cancel a pending transfer; the volume becomes ``available`` again."""
        with self._lock:
            transfer = self._owned_transfer(project_id, transfer_id)
            del self._transfers[transfer.id]
            volume = self._volumes.get(transfer.volume_id)
            if volume is not None and volume.status == "awaiting-transfer":
                self._set_status(volume, "available")

    def accept_transfer(
        self, project_id: str, user_id: str, transfer_id: str, auth_key: str
    ) -> Transfer:
        """Move the volume to ``project_id``; any project knowing id + key may accept.

        Raises:
            CloudError: 404 unknown transfer, 400 wrong key or volume state, 413 when
                ``project_id`` lacks quota for the disk (the transfer stays pending).
        """
        with self._lock:
            transfer = self._transfers.get(transfer_id)
            if transfer is None:
                raise errors.transfer_not_found(transfer_id)
            if not transfer.key_matches(auth_key):
                raise errors.invalid_auth_key(transfer_id)
            volume = self._volumes[transfer.volume_id]
            if volume.status != "awaiting-transfer":
                raise errors.invalid_volume(
                    f"Transfer {transfer_id}: Volume id {volume.id} in unexpected state "
                    f"{volume.status}, expected awaiting-transfer"
                )
            self._check_quota(project_id, volume)

            volume.project_id = project_id
            volume.user_id = user_id
            self._set_status(volume, "available")
            del self._transfers[transfer_id]

            return copy.copy(transfer)

    def _check_quota(self, project_id: str, volume: Volume) -> None:
        if volume.project_id == project_id:
            return  # the disk is already counted where it is accepted

        limits = self._quotas.get(project_id, QuotaLimits())
        owned = [v for v in self._volumes.values() if v.project_id == project_id]
        if not admits(limits, owned, volume):
            raise errors.quota_exceeded()

    def _owned_volume(self, project_id: str, volume_id: str) -> Volume:
        volume = self._volumes.get(volume_id)
        if volume is None or volume.project_id != project_id:
            raise errors.volume_not_found()

        return volume

    def _owned_transfer(self, project_id: str, transfer_id: str) -> Transfer:
        transfer = self._transfers.get(transfer_id)
        if transfer is None or transfer.project_id != project_id:
            raise errors.transfer_not_found(transfer_id)

        return transfer

    @staticmethod
    def _set_status(volume: Volume, status: str) -> None:
        volume.status = status
        volume.updated_at = cinder_now()
