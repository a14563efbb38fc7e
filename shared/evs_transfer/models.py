"""Domain models: transfer requests, approvals, records and their states."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    StrictInt,
    model_validator,
)


def _no_nul(value: str) -> str:
    # Text is stored, logged and mailed: PostgreSQL refuses NUL, and so do we, at once.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")

    return value


Text = Annotated[str, AfterValidator(_no_nul)]
"""Caller-supplied text: any characters but NUL."""

VOLUME_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
TRANSFER_ID_PATTERN = r"^[0-9a-f]{32}$"
BATCH_KEY_PREFIX = "batch:"
"""Idempotency keys of a batch's per-disk requests begin so; callers' keys may not."""


class TransferState(str, enum.Enum):
    """Where a transfer stands. Final states never change again."""

    PENDING_APPROVAL = "pending_approval"
    ACCEPTING = "accepting"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUSED = "refused"
    LOCKED = "locked"

    @property
    def is_final(self) -> bool:
        """Tell whether no further transition can leave this state."""
        return self not in (TransferState.PENDING_APPROVAL, TransferState.ACCEPTING)


class OfferTerms(BaseModel):
    """What every request to offer disks states: who asks, for whom, why, for how long.

    ``ttl_seconds`` shortens or lengthens the offer within the deployment's bounds;
    ``dry_run`` runs the checks and creates nothing. ``client_token`` makes the request
    idempotent: sent again, it answers with what the first one made.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    source_account: Text = Field(min_length=1, max_length=64)
    target_account: Text = Field(min_length=1, max_length=64)
    requester: Text = Field(min_length=1, max_length=128)
    reason: Text = Field(default="", max_length=1024)
    ttl_seconds: StrictInt | None = Field(default=None, ge=1, le=365 * 86400)
    client_token: str | None = Field(
        default=None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$"
    )
    dry_run: StrictBool = False

    def digest(self) -> str:
        """Return a digest of what is asked, to tell a repeat from a different request."""
        asked = self.model_dump(mode="json", exclude={"client_token", "dry_run"})
        canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"))

        return hashlib.sha256(canonical.encode()).hexdigest()


class TransferRequest(OfferTerms):
    """What account A asks for: move ``volume_id`` from ``source_account`` to ``target_account``.

    ``name`` becomes the EVS transfer's name (a default naming the record is used when it is
    empty); the other terms are :class:`OfferTerms`.
    """

    volume_id: str = Field(pattern=VOLUME_ID_PATTERN)
    name: Text = Field(default="", max_length=255)
    batch_id: str | None = Field(default=None, pattern=TRANSFER_ID_PATTERN)
    """Set on the per-disk requests a batch fans out to; the batch then speaks to B."""

    @model_validator(mode="after")
    def _batch_keys_are_the_batch_s(self) -> TransferRequest:
        # A batch's disks are created under "batch:{id}:{position}": nobody else may
        # take such a key, or the disk could never be offered.
        token = self.client_token or ""
        if token.startswith(BATCH_KEY_PREFIX) and (
            self.batch_id is None
            or not token.startswith(f"{BATCH_KEY_PREFIX}{self.batch_id}:")
        ):
            raise ValueError(f"client_token may not start with {BATCH_KEY_PREFIX!r}")

        return self


class Cancellation(BaseModel):
    """The source account takes its offer back before the target has decided."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    transfer_id: str = Field(pattern=TRANSFER_ID_PATTERN)
    source_account: Text = Field(min_length=1, max_length=64)
    requester: Text = Field(min_length=1, max_length=128)
    reason: Text = Field(default="", max_length=1024)


class TransferQuery(BaseModel):
    """Filters of ``GET /transfers``; every one is optional."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    state: TransferState | None = None
    volume_id: str | None = Field(default=None, pattern=VOLUME_ID_PATTERN)
    target: Text | None = Field(default=None, min_length=1, max_length=64)
    source: Text | None = Field(default=None, min_length=1, max_length=64)
    limit: int = Field(default=50, ge=1, le=200)


class Decision(str, enum.Enum):
    """What the target account answers to an offer."""

    APPROVE = "approve"
    REJECT = "reject"


class Approval(BaseModel):
    """The target account's answer, carrying the single-use approval token."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    transfer_id: str = Field(pattern=TRANSFER_ID_PATTERN)
    decision: Decision
    token: SecretStr = Field(min_length=16, max_length=128)
    reason: Text = Field(default="", max_length=1024)
    approver: Text = Field(default="", max_length=128)


class ApprovalLink(BaseModel):
    """The query of the approval page's link: the token, and nothing else."""

    model_config = ConfigDict(extra="forbid")

    token: SecretStr = Field(min_length=16, max_length=128)


class Attachment(BaseModel):
    """Where a disk is attached: the server and the device name on it."""

    model_config = ConfigDict(frozen=True)

    server_id: str
    device: str | None = None


class Volume(BaseModel):
    """The facts about an EVS disk that the transfer rules look at."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    status: str
    size_gb: int
    volume_type: str | None
    project_id: str | None
    attachments: tuple[Attachment, ...] = ()
    bootable: bool
    service_type: str | None
    dedicated_storage_id: str | None = None
    metadata: dict[str, str]


class QuotaUsage(BaseModel):
    """One EVS quota of a project: its limit (-1 for none), what is used and reserved."""

    model_config = ConfigDict(frozen=True)

    limit: int
    in_use: int = 0
    reserved: int = 0

    def room(self) -> int | None:
        """Return how much more fits, or None when the quota is unlimited."""
        if self.limit < 0:
            return None

        return self.limit - self.in_use - self.reserved


class Quota(BaseModel):
    """The EVS quotas of a project: totals and per disk type (``SSD``, ``SAS``, ...)."""

    model_config = ConfigDict(frozen=True)

    volumes: QuotaUsage | None = None
    gigabytes: QuotaUsage | None = None
    volumes_by_type: dict[str, QuotaUsage] = Field(default_factory=dict)
    gigabytes_by_type: dict[str, QuotaUsage] = Field(default_factory=dict)


class CbrVault(BaseModel):
    """A CBR vault that holds the disk, with the backup policies bound to it."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    policies: tuple[str, ...] = ()


class TransferRecord(BaseModel):
    """The broker's durable record of one transfer.

    ``auth_key_ciphertext`` is KMS ciphertext bound to this record; the plain ``auth_key``
    never appears here. ``approval_token_hash`` is a SHA-256 digest of the token.
    ``evs_transfer_open`` stays true while the EVS transfer may still exist, so that a
    record that ended before its EVS transfer was deleted is finished by the sweep.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    state: TransferState
    version: int = 1
    region: str
    volume_id: str
    volume_name: str = ""
    volume_size_gb: int | None = None
    volume_type: str | None = None
    source_account: str
    source_project_id: str
    target_account: str
    target_project_id: str
    requester: str
    reason: str = ""
    evs_transfer_id: str | None = None
    evs_transfer_open: bool = False
    auth_key_ciphertext: str | None = Field(default=None, repr=False)
    kms_key_id: str | None = None
    approval_token_hash: str | None = Field(default=None, repr=False)
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime
    failure_code: str | None = None
    failure_reason: str | None = None
    checked_at: dt.datetime | None = None
    lease_until: dt.datetime | None = None
    failed_approvals: int = 0
    findings: list[dict[str, Any]] = Field(default_factory=list)
    batch_id: str | None = None

    def public_view(self) -> dict[str, Any]:
        """Return the record as callers may see it: no ciphertext, no token hash."""
        return self.model_dump(
            mode="json",
            exclude={
                "auth_key_ciphertext",
                "approval_token_hash",
                "version",
                "evs_transfer_open",
                "lease_until",
            },
        )


class AuditEvent(BaseModel):
    """One append-only entry of a transfer's history.

    ``to_state`` is None for an event that changed nothing (a refused approval, a
    notification sent again); ``from_state`` is None for the event that made the record.
    """

    model_config = ConfigDict(frozen=True)

    transfer_id: str
    at: dt.datetime
    action: str
    actor: str
    from_state: TransferState | None
    to_state: TransferState | None
    reason: str = ""
    request_id: str = ""


class NoticeKind(str, enum.Enum):
    """What a notification tells; each kind has its own text and JSON ``type``."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    FAILED = "failed"
    REFUSED = "refused"
    APPROVAL_FAILED = "approval_failed"
    LOCKED = "locked"
    BATCH_OFFERED = "batch_offered"
    BATCH_SUMMARY = "batch_summary"
    BATCH_DECIDED = "batch_decided"


class Notice(BaseModel):
    """One notification to send to a member account's topic, queued in the outbox."""

    model_config = ConfigDict(frozen=True)

    id: str
    transfer_id: str
    kind: NoticeKind
    account: str
    reason: str = ""
