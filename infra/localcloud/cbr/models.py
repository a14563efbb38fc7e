"""In-memory CBR state: disk backups, vaults protecting disks, and backup policies.

Only disk (``OS::Cinder::Volume``) protection is modelled, because that is what blocks
an EVS transfer: a disk with backups, or a disk that is a resource of a vault.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import uuid

from localcloud.evs.models import cinder_now

VOLUME_RESOURCE = "OS::Cinder::Volume"


@dataclasses.dataclass
class Backup:
    """One backup of a disk, stored in a vault."""

    id: str
    volume_id: str
    vault_id: str
    project_id: str
    name: str = ""
    status: str = "available"
    created_at: str = dataclasses.field(default_factory=cinder_now)


@dataclasses.dataclass
class Vault:
    """A vault: the disks it protects and the policies applied to it."""

    id: str
    name: str
    project_id: str
    resources: list[str] = dataclasses.field(default_factory=list)
    policy_ids: list[str] = dataclasses.field(default_factory=list)
    created_at: str = dataclasses.field(default_factory=cinder_now)


@dataclasses.dataclass
class Policy:
    """A backup (or replication) policy of a project."""

    id: str
    name: str
    project_id: str
    enabled: bool = True
    operation_type: str = "backup"


class CbrBackend:
    """Thread-safe CBR state for every project.

    EVS asks it about disks while holding its own lock, so this backend never calls
    another service.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._backups: dict[str, Backup] = {}
        self._vaults: dict[str, Vault] = {}
        self._policies: dict[str, Policy] = {}

    def reset(self) -> None:
        """Forget everything."""
        with self._lock:
            self._backups.clear()
            self._vaults.clear()
            self._policies.clear()

    def add_policy(self, policy: Policy) -> None:
        """Add a policy (world loading).

        Raises:
            ValueError: The id is taken.
        """
        with self._lock:
            if policy.id in self._policies:
                raise ValueError(f"duplicate policy id {policy.id}")
            self._policies[policy.id] = copy.deepcopy(policy)

    def add_vault(self, vault: Vault) -> None:
        """Add a vault whose policies exist in its project (world loading).

        Raises:
            ValueError: The id is taken or a policy is unknown to the project.
        """
        with self._lock:
            if vault.id in self._vaults:
                raise ValueError(f"duplicate vault id {vault.id}")
            for policy_id in vault.policy_ids:
                policy = self._policies.get(policy_id)
                if policy is None or policy.project_id != vault.project_id:
                    raise ValueError(f"vault {vault.id} names unknown policy")
            self._vaults[vault.id] = copy.deepcopy(vault)

    def add_backup(
        self,
        volume_id: str,
        vault_id: str,
        *,
        name: str = "",
        status: str = "available",
        backup_id: str | None = None,
    ) -> Backup:
        """Add a backup of a disk to a vault (world loading, or a test mid-flight).

        Raises:
            ValueError: The vault does not exist or the id is taken.
        """
        with self._lock:
            vault = self._vaults.get(vault_id)
            if vault is None:
                raise ValueError(f"backup names unknown vault {vault_id}")
            backup = Backup(
                backup_id or str(uuid.uuid4()),
                volume_id,
                vault_id,
                vault.project_id,
                name,
                status,
            )
            if backup.id in self._backups:
                raise ValueError(f"duplicate backup id {backup.id}")
            self._backups[backup.id] = backup

            return copy.deepcopy(backup)

    def protect(self, vault_id: str, volume_id: str) -> None:
        """Make a disk a resource of a vault (associate it with its policies).

        Raises:
            ValueError: The vault does not exist.
        """
        with self._lock:
            vault = self._vaults.get(vault_id)
            if vault is None:
                raise ValueError(f"unknown vault {vault_id}")
            if volume_id not in vault.resources:
                vault.resources.append(volume_id)

    def backups(self, project_id: str) -> list[Backup]:
        """Return copies of the project's backups, oldest first."""
        with self._lock:
            found = [b for b in self._backups.values() if b.project_id == project_id]

            return copy.deepcopy(found)

    def vaults(self, project_id: str) -> list[Vault]:
        """Return copies of the project's vaults, oldest first."""
        with self._lock:
            found = [v for v in self._vaults.values() if v.project_id == project_id]

            return copy.deepcopy(found)

    def policies(self, project_id: str) -> list[Policy]:
        """Return copies of the project's policies, oldest first."""
        with self._lock:
            found = [p for p in self._policies.values() if p.project_id == project_id]

            return copy.deepcopy(found)

    def backups_of(self, volume_id: str) -> int:
        """How many backups of ``volume_id`` exist, in any status and project."""
        with self._lock:
            return sum(1 for b in self._backups.values() if b.volume_id == volume_id)

    def vaults_of(self, volume_id: str) -> list[str]:
        """Ids of the vaults having ``volume_id`` as a resource."""
        with self._lock:
            return [v.id for v in self._vaults.values() if volume_id in v.resources]
