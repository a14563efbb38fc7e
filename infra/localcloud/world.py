"""World files: the accounts, resources, functions and routes localcloud starts with.

A world is YAML (or JSON) validated by these pydantic models (unknown keys are errors).
Strings may reference ``${LOCALCLOUD_URL}`` and ``${LOCALCLOUD_STATE_DIR}``; they are
substituted when the world is applied, with whatever values are known by then.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from localcloud.core.faults import FaultSpec
from localcloud.functiongraph.specs import ApigRoute, FunctionSpec, TimerTrigger

_HEX32 = r"^[0-9a-f]{32}$"
_VARIABLE = re.compile(r"\$\{(LOCALCLOUD_[A-Z_]+)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AgencySpec(_Strict):
    """An agency of the account, trusting another account or a cloud service."""

    name: str
    trust_domain_id: str | None = None
    trust_domain_name: str | None = None

    @model_validator(mode="after")
    def _one_trustee(self) -> AgencySpec:
        if self.trust_domain_id is None and self.trust_domain_name is None:
            raise ValueError("an agency needs trust_domain_id or trust_domain_name")
        return self


class AttachmentSpec(_Strict):
    """A server attachment of a volume (``in-use`` disks).

    ``boot_index`` 0 makes the volume the server's system disk; -1 is a data disk.
    A server named here but not declared under ``servers`` is created implicitly.
    """

    server_id: str
    device: str = "/dev/vdb"
    boot_index: int = Field(default=-1, ge=-1)
    attachment_id: str | None = None
    host_name: str | None = None
    attached_at: str | None = None


class VolumeSpec(_Strict):
    """An EVS disk of the account's project in the world's region."""

    id: str
    name: str
    size: int = Field(ge=1, le=32768)
    volume_type: str = "SSD"
    status: str = "available"
    availability_zone: str | None = None
    bootable: Literal["true", "false"] = "false"
    multiattach: bool = False
    service_type: str = "EVS"
    description: str = ""
    metadata: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    attachments: list[AttachmentSpec] = Field(default_factory=list)
    dedicated_storage_id: str | None = None
    created_at: str | None = None


class SnapshotSpec(_Strict):
    """An EVS snapshot of one of the account's volumes."""

    id: str
    volume_id: str
    name: str = ""
    status: str = "available"


class ServerSpec(_Strict):
    """An ECS server; its disks are the volumes attached to it."""

    id: str
    name: str
    root_device_name: str = "/dev/vda"
    status: str = "ACTIVE"


class BackupSpec(_Strict):
    """A CBR backup of one of the account's volumes, kept in one of its vaults."""

    id: str
    volume_id: str
    vault_id: str
    name: str = ""
    status: str = "available"


class VaultSpec(_Strict):
    """A CBR disk vault: the volumes it protects and the policies applied to it."""

    id: str
    name: str
    resources: list[str] = Field(default_factory=list)
    policy_ids: list[str] = Field(default_factory=list)


class PolicySpec(_Strict):
    """A CBR policy of the account."""

    id: str
    name: str
    enabled: bool = True
    operation_type: Literal["backup", "replication"] = "backup"


class TypeQuotaSpec(_Strict):
    """EVS limits of one volume type; -1 is unlimited."""

    volumes: int = Field(default=-1, ge=-1)
    gigabytes: int = Field(default=-1, ge=-1)
    snapshots: int = Field(default=-1, ge=-1)


class QuotaSpec(_Strict):
    """EVS limits of the account's project; -1 is unlimited, omitted keys stay generous."""

    volumes: int = Field(default=100, ge=-1)
    gigabytes: int = Field(default=10000, ge=-1)
    snapshots: int = Field(default=100, ge=-1)
    backups: int = Field(default=100, ge=-1)
    backup_gigabytes: int = Field(default=10000, ge=-1)
    per_volume_gigabytes: int = Field(default=32768, ge=-1)
    types: dict[str, TypeQuotaSpec] = Field(default_factory=dict)


class KmsKeySpec(_Strict):
    """A KMS customer master key (material is generated at seeding)."""

    key_id: str = Field(
        pattern=r"^[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$"
    )
    alias: str
    state: Literal["enabled", "disabled"] = "enabled"
    description: str = ""


class SubscriptionSpec(_Strict):
    """A subscription of a topic; seeded subscriptions start confirmed."""

    protocol: Literal["email", "sms", "http", "https", "functionstage"]
    endpoint: str
    remark: str = ""


class TopicSpec(_Strict):
    """An SMN topic.

    ``access_policy`` is either a list of publisher domain ids (or account names) that
    may publish, or a raw SMN policy JSON text.
    """

    name: str
    display_name: str = ""
    access_policy: list[str] | str | None = None
    subscriptions: list[SubscriptionSpec] = Field(default_factory=list)


class AccountSpec(_Strict):
    """One account: identity, credentials and the resources it owns."""

    name: str
    domain_id: str = Field(pattern=_HEX32)
    projects: dict[str, str]
    access_key: str = Field(min_length=1)
    secret_key: str = Field(min_length=1, repr=False)
    user_id: str | None = None
    agencies: list[AgencySpec] = Field(default_factory=list)
    volumes: list[VolumeSpec] = Field(default_factory=list)
    snapshots: list[SnapshotSpec] = Field(default_factory=list)
    kms_keys: list[KmsKeySpec] = Field(default_factory=list)
    topics: list[TopicSpec] = Field(default_factory=list)
    servers: list[ServerSpec] = Field(default_factory=list)
    backups: list[BackupSpec] = Field(default_factory=list)
    vaults: list[VaultSpec] = Field(default_factory=list)
    policies: list[PolicySpec] = Field(default_factory=list)
    quotas: QuotaSpec | None = None


class World(_Strict):
    """Everything localcloud is seeded with."""

    region: str = "cn-north-4"
    accounts: list[AccountSpec] = Field(default_factory=list)
    functions: list[FunctionSpec] = Field(default_factory=list)
    apig: list[ApigRoute] = Field(default_factory=list)
    timers: list[TimerTrigger] = Field(default_factory=list)
    faults: list[FaultSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _projects_in_region(self) -> World:
        for account in self.accounts:
            if self.region not in account.projects:
                raise ValueError(
                    f"account {account.name!r} has no project in {self.region}"
                )
        names = {account.name for account in self.accounts}
        for function in self.functions:
            if function.account not in names:
                raise ValueError(f"function {function.name!r} names unknown account")
        domains = {account.domain_id for account in self.accounts}
        for fault in self.faults:
            if fault.account is not None and fault.account not in names | domains:
                raise ValueError(f"fault on {fault.operation!r} names unknown account")
        return self


def parse_world(source: str | bytes | Mapping[str, Any] | World) -> World:
    """Validate a world given as YAML/JSON text, a mapping or a ``World``.

    Raises:
        pydantic.ValidationError: The world does not match the schema.
        ValueError: The text is not YAML or not a mapping.
    """
    if isinstance(source, World):
        return source
    data: Any = source
    if isinstance(source, (str, bytes)):
        try:
            data = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            raise ValueError(f"world is not valid YAML: {exc}") from None
    if not isinstance(data, Mapping):
        # A ValueError like the YAML failure: callers report both as a bad world.
        raise ValueError("a world must be a mapping")  # noqa: TRY004

    return World.model_validate(dict(data))


def load_world(path: Path) -> World:
    """Read and validate a world file."""
    return parse_world(Path(path).read_text(encoding="utf-8"))


def substitute(world: World, variables: Mapping[str, str]) -> World:
    """Return ``world`` with known ``${LOCALCLOUD_...}`` references replaced."""

    def replace(value: Any) -> Any:
        if isinstance(value, str):
            return _VARIABLE.sub(lambda m: variables.get(m[1], m[0]), value)
        if isinstance(value, list):
            return [replace(v) for v in value]
        if isinstance(value, dict):
            return {k: replace(v) for k, v in value.items()}
        return value

    return World.model_validate(replace(world.model_dump()))
