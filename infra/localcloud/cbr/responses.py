"""CBR request handlers (``huaweicloudsdkcbr`` v1, paths under ``/v3/{project_id}``)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from localcloud.cbr import errors
from localcloud.cbr.models import VOLUME_RESOURCE, Backup, CbrBackend, Policy, Vault
from localcloud.core.context import RequestContext
from localcloud.core.routing import Reply
from localcloud.evs.models import Volume

# CBR's provider id of disk backups (every disk vault and backup names it).
DISK_PROVIDER_ID = "d1603440-187d-4516-af25-121250c7cc97"
MAX_LIMIT = 1000

VolumeLookup = Callable[[str], "Volume | None"]


class CbrResponses:
    """The CBR operations localcloud answers, bound to one backend.

    Args:
        backend: CBR state.
        volumes: Finds a disk by id in any project (names and sizes of resources).
    """

    def __init__(self, backend: CbrBackend, volumes: VolumeLookup) -> None:
        self._backend = backend
        self._volumes = volumes

    def list_backups(self, ctx: RequestContext) -> Reply:
        """ListBackups. Filters: resource_id, resource_type, vault_id, status, name.

        Does not model: created_at/updated_at/expired_at/protected_at (the SDK parses
        them with python-dateutil, absent here, and would warn), whole-server backups,
        replication, sorting and time filters.
        """
        limit, offset = _paging(ctx)
        filters = {
            "volume_id": ctx.arg("resource_id"),
            "vault_id": ctx.arg("vault_id"),
            "status": ctx.arg("status"),
            "name": ctx.arg("name"),
        }
        resource_type = ctx.arg("resource_type")

        found = [
            b
            for b in self._backend.backups(ctx.project)
            if all(v is None or getattr(b, k) == v for k, v in filters.items())
            and resource_type in (None, VOLUME_RESOURCE)
        ]
        page = found[offset : offset + limit]

        return Reply(
            200,
            {
                "backups": [self._backup(b) for b in page],
                "count": len(found),
                "offset": offset,
                "limit": limit,
            },
        )

    def list_vault(self, ctx: RequestContext) -> Reply:
        """ListVault. Filters: resource_ids (comma-separated), id, name, policy_id.

        Does not model: server/file-system vaults, billing usage, tags, bind rules.
        """
        limit, offset = _paging(ctx)
        wanted = {r for r in (ctx.arg("resource_ids") or "").split(",") if r}
        vault_id, name, policy_id = ctx.arg("id"), ctx.arg("name"), ctx.arg("policy_id")
        object_type = ctx.arg("object_type")

        found = [
            v
            for v in self._backend.vaults(ctx.project)
            if (not wanted or wanted & set(v.resources))
            and vault_id in (None, v.id)
            and name in (None, v.name)
            and (policy_id is None or policy_id in v.policy_ids)
            and object_type in (None, "disk")
        ]
        page = found[offset : offset + limit]

        return Reply(
            200,
            {
                "vaults": [self._vault(v) for v in page],
                "count": len(found),
                "limit": limit,
                "offset": offset,
            },
        )

    def list_policies(self, ctx: RequestContext) -> Reply:
        """ListPolicies. Filters: vault_id, operation_type.

        Does not model: replication destinations, trigger schedules (a daily default
        is reported), retention rules.
        """
        vault_id, operation_type = ctx.arg("vault_id"), ctx.arg("operation_type")
        vaults = self._backend.vaults(ctx.project)
        associated = {
            p: [v.id for v in vaults if p in v.policy_ids]
            for p in {p for v in vaults for p in v.policy_ids}
        }

        found = [
            p
            for p in self._backend.policies(ctx.project)
            if operation_type in (None, p.operation_type)
            and (vault_id is None or vault_id in associated.get(p.id, []))
        ]

        return Reply(
            200,
            {
                "policies": [_policy(p, associated.get(p.id, [])) for p in found],
                "count": len(found),
            },
        )

    def _backup(self, backup: Backup) -> dict[str, Any]:
        volume = self._volumes(backup.volume_id)

        return {
            "id": backup.id,
            "name": backup.name,
            "description": "",
            "status": backup.status,
            "checkpoint_id": str(uuid.uuid5(uuid.NAMESPACE_OID, backup.id)),
            "image_type": "backup",
            "project_id": backup.project_id,
            "provider_id": DISK_PROVIDER_ID,
            "resource_id": backup.volume_id,
            "resource_type": VOLUME_RESOURCE,
            "resource_name": volume.name if volume else "",
            "resource_size": volume.size if volume else 0,
            "resource_az": volume.availability_zone if volume else "",
            "vault_id": backup.vault_id,
            "enterprise_project_id": "0",
            "extend_info": {
                "auto_trigger": False,
                "bootable": bool(volume and volume.bootable == "true"),
                "encrypted": bool(
                    volume and volume.metadata.get("__system__encrypted") == "1"
                ),
                "system_disk": False,
                "contain_system_disk": False,
                "support_lld": False,
                "supported_restore_mode": "backup",
                "is_multi_az": False,
            },
            "children": [],
            "replication_records": [],
            "incremental": False,
            "version": 4,
        }

    def _vault(self, vault: Vault) -> dict[str, Any]:
        resources = [self._resource(vault, volume_id) for volume_id in vault.resources]

        return {
            "id": vault.id,
            "name": vault.name,
            "description": "",
            "project_id": vault.project_id,
            "provider_id": DISK_PROVIDER_ID,
            "resources": resources,
            "billing": _billing(sum(r["size"] for r in resources)),
            "tags": [],
            "enterprise_project_id": "0",
            "auto_bind": False,
            "bind_rules": {},
            "created_at": vault.created_at,
            "auto_expand": False,
            "smn_notify": True,
            "threshold": 80,
            "locked": False,
        }

    def _resource(self, vault: Vault, volume_id: str) -> dict[str, Any]:
        volume = self._volumes(volume_id)
        backups = [
            b
            for b in self._backend.backups(vault.project_id)
            if b.vault_id == vault.id and b.volume_id == volume_id
        ]

        return {
            "id": volume_id,
            "name": volume.name if volume else "",
            "type": VOLUME_RESOURCE,
            "protect_status": "available",
            "size": volume.size if volume else 0,
            "backup_count": len(backups),
            "backup_size": 0,
            "auto_protect": False,
            "extra_info": {"exclude_volumes": []},
        }


def _billing(size: int) -> dict[str, Any]:
    return {
        "allocated": 0,
        "charging_mode": "post_paid",
        "cloud_type": "public",
        "consistent_level": "crash_consistent",
        "object_type": "disk",
        "protect_type": "backup",
        "size": max(size, 10),
        "spec_code": "vault.backup.volume.normal",
        "status": "available",
        "storage_unit": "",
        "used": 0,
        "is_multi_az": False,
    }


def _policy(policy: Policy, vault_ids: list[str]) -> dict[str, Any]:
    return {
        "id": policy.id,
        "name": policy.name,
        "enabled": policy.enabled,
        "operation_type": policy.operation_type,
        "operation_definition": {
            "retention_duration_days": 30,
            "timezone": "UTC+08:00",
        },
        "trigger": {
            "id": str(uuid.uuid5(uuid.NAMESPACE_OID, policy.id)),
            "name": "default",
            "type": "time",
            "properties": {
                "pattern": ["FREQ=DAILY;INTERVAL=1;BYHOUR=0;BYMINUTE=00"],
                "start_time": "2024-01-01 00:00:00",
            },
        },
        "associated_vaults": [
            {"vault_id": vault_id, "destination_vault_id": None}
            for vault_id in vault_ids
        ],
    }


def _paging(ctx: RequestContext) -> tuple[int, int]:
    limit = _int_arg(ctx, "limit", MAX_LIMIT)
    offset = _int_arg(ctx, "offset", 0)
    if not 1 <= limit <= MAX_LIMIT:
        raise errors.invalid_parameter("limit")
    if offset < 0:
        raise errors.invalid_parameter("offset")

    return limit, offset


def _int_arg(ctx: RequestContext, name: str, default: int) -> int:
    value = ctx.int_arg(name, default)
    if value is None:
        raise errors.invalid_parameter(name)

    return value
