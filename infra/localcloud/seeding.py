"""Apply a validated world to empty backends."""

from __future__ import annotations

import dataclasses
from typing import Any

from localcloud.cbr.models import CbrBackend, Policy, Vault
from localcloud.core.accounts import Account, AccountRegistry
from localcloud.core.errors import CloudError
from localcloud.core.faults import FaultInjector
from localcloud.ecs.models import EcsBackend, Server
from localcloud.evs.models import EvsBackend, Snapshot, Volume
from localcloud.evs.quotas import QuotaLimits, TypeLimits
from localcloud.functiongraph.gateway import ApigGateway
from localcloud.functiongraph.runtime import FunctionRuntime
from localcloud.functiongraph.timers import TimerTriggers
from localcloud.iam.models import Agency, IamBackend
from localcloud.kms.models import KmsBackend
from localcloud.smn import policy
from localcloud.smn.models import SmnBackend
from localcloud.world import AccountSpec, QuotaSpec, TopicSpec, VolumeSpec, World


@dataclasses.dataclass(frozen=True)
class Backends:
    """Every piece of state a world populates."""

    registry: AccountRegistry
    iam: IamBackend
    evs: EvsBackend
    kms: KmsBackend
    smn: SmnBackend
    runtime: FunctionRuntime
    gateway: ApigGateway
    cbr: CbrBackend
    ecs: EcsBackend
    faults: FaultInjector
    timers: TimerTriggers


def apply_world(world: World, backends: Backends) -> list[str]:
    """Create the world's accounts, resources, functions and routes; return function URNs.

    Raises:
        ValueError: The world is inconsistent (duplicate ids, unknown references).
        FunctionGraphError: A function cannot be registered (e.g. its handler is missing).
    """
    domains = {account.name: account.domain_id for account in world.accounts}
    for spec in world.accounts:
        _apply_account(world, spec, domains, backends)

    urns = []
    for function in world.functions:
        owner = next(a for a in world.accounts if a.name == function.account)
        project_id = owner.projects[world.region]
        urns.append(
            backends.runtime.register(
                function, domain_id=owner.domain_id, project_id=project_id
            )
        )
    for route in world.apig:
        backends.gateway.add_route(route)
    for timer in world.timers:
        backends.timers.add(timer)
    for fault in world.faults:
        backends.faults.add(fault)

    return urns


def _apply_account(
    world: World, spec: AccountSpec, domains: dict[str, str], backends: Backends
) -> None:
    account = Account(
        name=spec.name,
        domain_id=spec.domain_id,
        projects=dict(spec.projects),
        access_key=spec.access_key,
        secret_key=spec.secret_key,
        user_id=spec.user_id or "",
    )
    backends.registry.add(account)
    project_id = spec.projects[world.region]

    for agency in spec.agencies:
        backends.iam.add_agency(
            Agency(
                name=agency.name,
                domain_id=spec.domain_id,
                trust_domain_id=agency.trust_domain_id,
                trust_domain_name=agency.trust_domain_name,
            )
        )
    _apply_servers(world, spec, project_id, account.effective_user_id, backends.ecs)
    for volume in spec.volumes:
        backends.evs.add_volume(
            _volume(world, volume, project_id, account.effective_user_id)
        )
    if spec.quotas is not None:
        backends.evs.set_quotas(project_id, _limits(spec.quotas))
    _apply_protection(spec, project_id, backends.cbr)
    for snapshot in spec.snapshots:
        backends.evs.add_snapshot(
            Snapshot(
                snapshot.id,
                snapshot.volume_id,
                project_id,
                snapshot.name,
                snapshot.status,
            )
        )
    for key in spec.kms_keys:
        backends.kms.create_key(
            domain_id=spec.domain_id,
            project_id=project_id,
            alias=key.alias,
            key_id=key.key_id,
            description=key.description,
        )
        if key.state == "disabled":
            backends.kms.set_state(project_id, key.key_id, enabled=False)
    for topic in spec.topics:
        _apply_topic(topic, spec, project_id, domains, backends.smn)


def _apply_servers(
    world: World, spec: AccountSpec, project_id: str, user_id: str, ecs: EcsBackend
) -> None:
    declared = [(s.id, s.name, s.status, s.root_device_name) for s in spec.servers]
    named = {s.id for s in spec.servers}
    # Servers only named by an attachment exist too: a disk is attached to something.
    implicit = {
        a.server_id: (a.server_id, f"server-{a.server_id[:8]}", "ACTIVE", "/dev/vda")
        for v in spec.volumes
        for a in v.attachments
        if a.server_id not in named
    }
    for server_id, name, status, root in [*declared, *implicit.values()]:
        ecs.add_server(
            Server(
                id=server_id,
                name=name,
                project_id=project_id,
                user_id=user_id,
                status=status,
                root_device_name=root,
                availability_zone=f"{world.region}a",
            )
        )


def _apply_protection(spec: AccountSpec, project_id: str, cbr: CbrBackend) -> None:
    volumes = {v.id for v in spec.volumes}
    for backup_policy in spec.policies:
        cbr.add_policy(
            Policy(
                backup_policy.id,
                backup_policy.name,
                project_id,
                backup_policy.enabled,
                backup_policy.operation_type,
            )
        )
    for vault in spec.vaults:
        if not set(vault.resources) <= volumes:
            raise ValueError(f"vault {vault.id} protects a volume the account lacks")
        cbr.add_vault(
            Vault(
                vault.id,
                vault.name,
                project_id,
                list(vault.resources),
                list(vault.policy_ids),
            )
        )
    for backup in spec.backups:
        if backup.volume_id not in volumes:
            raise ValueError(f"backup {backup.id} names a volume the account lacks")
        cbr.add_backup(
            backup.volume_id,
            backup.vault_id,
            name=backup.name,
            status=backup.status,
            backup_id=backup.id,
        )


def _limits(spec: QuotaSpec) -> QuotaLimits:
    types = {
        name: TypeLimits(t.volumes, t.gigabytes, t.snapshots)
        for name, t in spec.types.items()
    }

    return QuotaLimits(
        volumes=spec.volumes,
        gigabytes=spec.gigabytes,
        snapshots=spec.snapshots,
        backups=spec.backups,
        backup_gigabytes=spec.backup_gigabytes,
        per_volume_gigabytes=spec.per_volume_gigabytes,
        types=types,
    )


def _volume(world: World, spec: VolumeSpec, project_id: str, user_id: str) -> Volume:
    extra: dict[str, Any] = {"created_at": spec.created_at} if spec.created_at else {}

    return Volume(
        id=spec.id,
        name=spec.name,
        project_id=project_id,
        user_id=user_id,
        size=spec.size,
        status=spec.status,
        volume_type=spec.volume_type,
        availability_zone=spec.availability_zone or f"{world.region}a",
        bootable=spec.bootable,
        multiattach=spec.multiattach,
        service_type=spec.service_type,
        description=spec.description,
        metadata=dict(spec.metadata),
        tags=dict(spec.tags),
        attachments=[_attachment(spec, a.model_dump()) for a in spec.attachments],
        boot_indexes={a.server_id: a.boot_index for a in spec.attachments},
        dedicated_storage_id=spec.dedicated_storage_id,
        **extra,
    )


def _attachment(volume: VolumeSpec, attachment: dict[str, Any]) -> dict[str, Any]:
    attachment_id = (
        attachment["attachment_id"] or f"{volume.id}-{attachment['server_id']}"[:36]
    )

    return {
        "server_id": attachment["server_id"],
        "attachment_id": attachment_id,
        "attached_at": attachment["attached_at"] or "2024-01-01T00:00:00.000000",
        "host_name": attachment["host_name"],
        "id": volume.id,
        "volume_id": volume.id,
        "device": attachment["device"],
    }


def _apply_topic(
    spec: TopicSpec,
    account: AccountSpec,
    project_id: str,
    domains: dict[str, str],
    smn: SmnBackend,
) -> None:
    topic = smn.create_topic(
        project_id=project_id,
        domain_id=account.domain_id,
        name=spec.name,
        display_name=spec.display_name,
    )
    if isinstance(spec.access_policy, list):
        publishers = [domains.get(entry, entry) for entry in spec.access_policy]
        smn.set_attribute(
            topic.urn, "access_policy", policy.publisher_policy(topic.urn, publishers)
        )
    elif isinstance(spec.access_policy, str):
        try:
            policy.parse_policy(spec.access_policy)
        except CloudError as error:
            raise ValueError(f"topic {spec.name!r}: {error.message}") from None
        smn.set_attribute(topic.urn, "access_policy", spec.access_policy)
    for subscription in spec.subscriptions:
        smn.add_subscription(
            topic.urn,
            protocol=subscription.protocol,
            endpoint=subscription.endpoint,
            owner=project_id,
            remark=subscription.remark,
            confirmed=True,
        )
