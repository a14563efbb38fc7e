"""CBR: backups of a disk and the vaults (with backup policies) that hold it."""

from __future__ import annotations

from typing import Any

from huaweicloudsdkcbr.v1 import (
    ListBackupsRequest,
    ListPoliciesRequest,
    ListVaultRequest,
)

from evs_transfer.cloud.sdk import call
from evs_transfer.models import CbrVault

SERVICE = "cbr"
DISK_RESOURCE_TYPE = "OS::Cinder::Volume"


class Cbr:
    """CBR reads in one project."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def list_backup_ids(self, volume_id: str) -> list[str]:
        """Return the ids of every CBR backup of the disk, whatever their status."""
        request = ListBackupsRequest(
            resource_id=volume_id, resource_type=DISK_RESOURCE_TYPE
        )
        response = call(
            SERVICE,
            "ListBackups",
            lambda: self._client.list_backups(request),
            read=True,
        )

        return [backup.id for backup in response.backups or []]

    def vaults_holding(self, volume_id: str) -> list[CbrVault]:
        """Return the vaults that have the disk as a resource, with their backup policies."""
        request = ListVaultRequest(resource_ids=volume_id)
        response = call(
            SERVICE, "ListVault", lambda: self._client.list_vault(request), read=True
        )

        return [
            CbrVault(
                id=vault.id, name=vault.name or "", policies=self._policies(vault.id)
            )
            for vault in response.vaults or []
        ]

    def _policies(self, vault_id: str) -> tuple[str, ...]:
        request = ListPoliciesRequest(vault_id=vault_id, operation_type="backup")
        response = call(
            SERVICE,
            "ListPolicies",
            lambda: self._client.list_policies(request),
            read=True,
        )

        return tuple(
            f"{policy.name} ({policy.id})"
            for policy in response.policies or []
            if policy.enabled
        )
