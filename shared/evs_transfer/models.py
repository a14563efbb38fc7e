"""Domain models: transfer requests, approvals, records and their states."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

VOLUME_ID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
TRANSFER_ID_PATTERN = r"^[0-9a-f]{32}$"


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

    @property
    def is_final(self) -> bool:
        """Tell whether no further transition can leave this state."""
        return self not in (TransferState.PENDING_APPROVAL, TransferState.ACCEPTING)


class TransferRequest(BaseModel):
    """What account A asks for: move ``volume_id`` from ``source_account`` to ``target_account``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    volume_id: str = Field(pattern=VOLUME_ID_PATTERN)
    source_account: str = Field(min_length=1, max_length=64)
    target_account: str = Field(min_length=1, max_length=64)
    requester: str = Field(min_length=1, max_length=128)
    reason: str = Field(default="", max_length=1024)


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
    reason: str = Field(default="", max_length=1024)
    approver: str = Field(default="", max_length=128)


class Volume(BaseModel):
    """The facts about an EVS disk that the transfer rules look at."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    status: str
    size_gb: int
    volume_type: str | None
    project_id: str | None
    attachment_count: int
    bootable: bool
    service_type: str | None
    metadata: dict[str, str]


class TransferRecord(BaseModel):
    """The broker's durable record of one transfer.

    ``auth_key_ciphertext`` is KMS ciphertext bound to this record; the plain ``auth_key``
    never appears here. ``approval_token_hash`` is a SHA-256 digest of the token.
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
    auth_key_ciphertext: str | None = Field(default=None, repr=False)
    kms_key_id: str | None = None
    approval_token_hash: str | None = Field(default=None, repr=False)
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime
    failure_code: str | None = None
    failure_reason: str | None = None

    def public_view(self) -> dict[str, Any]:
        """Return the record as callers may see it: no ciphertext, no token hash."""
        return self.model_dump(
            mode="json",
            exclude={"auth_key_ciphertext", "approval_token_hash", "version"},
        )


class AuditEvent(BaseModel):
    """One append-only entry of a transfer's history."""

    model_config = ConfigDict(frozen=True)

    transfer_id: str
    at: dt.datetime
    action: str
    actor: str
    from_state: TransferState | None
    to_state: TransferState | None
    reason: str = ""
    request_id: str = ""


Outcome = Literal["accepted", "rejected"]
