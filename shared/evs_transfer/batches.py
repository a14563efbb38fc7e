"""Batch models: one request naming many disks, and the one approval that covers them.

A batch never moves a disk itself. It fans out to one transfer per disk, each with its own
record, checks and verdict; what the batch adds is a single notification to the target
account with a single approval token, and a decision that applies to every disk still
pending. The per-disk approval keeps working with the same token.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictInt,
    model_validator,
)

from evs_transfer.models import (
    BATCH_KEY_PREFIX,
    TRANSFER_ID_PATTERN,
    VOLUME_ID_PATTERN,
    Decision,
    OfferTerms,
    Text,
)

MAX_BATCH_VOLUMES = 500
"""The most disks one batch may name; larger moves are several batches."""

VolumeId = Annotated[str, Field(pattern=VOLUME_ID_PATTERN)]


class TagSelector(BaseModel):
    """Every disk of the source project carrying the tag ``key`` with ``value``."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: Text = Field(min_length=1, max_length=128)
    value: Text = Field(default="", max_length=255)


class BatchRequest(OfferTerms):
    """What account A asks for: move these disks, named or selected by a tag, to B.

    Exactly one of ``volume_ids`` and ``tag`` is given; the :class:`OfferTerms` apply to
    every disk.
    """

    volume_ids: list[VolumeId] | None = Field(
        default=None, min_length=1, max_length=MAX_BATCH_VOLUMES
    )
    tag: TagSelector | None = None

    @model_validator(mode="after")
    def _one_selector(self) -> BatchRequest:
        if (self.volume_ids is None) == (self.tag is None):
            raise ValueError("give either volume_ids or tag, not both and not neither")
        if self.volume_ids is not None and len(set(self.volume_ids)) != len(
            self.volume_ids
        ):
            raise ValueError("volume_ids names a disk more than once")

        return self

    def selector(self) -> dict[str, Any]:
        """Return how the disks were chosen, as stored with the batch."""
        if self.tag is not None:
            return {"tag": self.tag.model_dump()}

        return {"volume_ids": len(self.volume_ids or [])}


def item_client_token(batch_id: str, position: int) -> str:
    """Return the idempotency key of a batch's disk: the same on every redelivery."""
    return f"{BATCH_KEY_PREFIX}{batch_id}:{position}"


def item_position(batch_id: str, client_token: str | None) -> int | None:
    """Return the position a per-disk idempotency key names in ``batch_id``, if any."""
    prefix = f"{BATCH_KEY_PREFIX}{batch_id}:"
    if client_token is None or not client_token.startswith(prefix):
        return None
    position = client_token[len(prefix) :]

    return int(position) if position.isdigit() and len(position) <= 4 else None


class BatchState(str, enum.Enum):
    """Where a batch stands. Each of its disks also has its own transfer state."""

    OFFERING = "offering"
    """Its disks are being offered one by one; B has not been told yet."""
    PENDING_APPROVAL = "pending_approval"
    """B was told; the batch token decides for every disk still pending."""
    DECIDED = "decided"
    """B decided for the whole batch; the decision is applied disk by disk."""
    CLOSED = "closed"
    """Decided, and every disk has its final state; both sides got the outcome."""
    REFUSED = "refused"
    """No disk could be offered: each one's record says why."""


class ItemState(str, enum.Enum):
    """Where one disk of a batch stands before its transfer record takes over."""

    QUEUED = "queued"
    OFFERED = "offered"
    REFUSED = "refused"


class BatchItem(BaseModel):
    """One disk of a batch: its place, and the transfer record made for it."""

    model_config = ConfigDict(frozen=True)

    batch_id: str
    position: int
    volume_id: str
    state: ItemState
    transfer_id: str | None = None
    published_at: dt.datetime | None = None


class BatchRecord(BaseModel):
    """The broker's durable record of one batch (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    state: BatchState
    request_key: str = Field(repr=False)
    digest: str = Field(repr=False)
    source_account: str
    target_account: str
    requester: str
    reason: str = ""
    ttl_seconds: int | None = None
    selector: dict[str, Any]
    approval_token_hash: str | None = Field(default=None, repr=False)
    decision: Decision | None = None
    decided_by: str | None = None
    decision_reason: str | None = None
    failed_approvals: int = 0
    created_at: dt.datetime
    updated_at: dt.datetime

    def public_view(self) -> dict[str, Any]:
        """Return the batch as callers may see it: no token hash, no request key."""
        return self.model_dump(
            mode="json", exclude={"approval_token_hash", "request_key", "digest"}
        )


class BatchApproval(BaseModel):
    """The target account's answer for every pending disk of a batch, with its token.

    To decide some disks only, decide their transfers one by one with the same token.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    batch_id: str = Field(pattern=TRANSFER_ID_PATTERN)
    decision: Decision
    token: SecretStr = Field(min_length=16, max_length=128)
    reason: Text = Field(default="", max_length=1024)
    approver: Text = Field(default="", max_length=128)


class BatchChunk(BaseModel):
    """The broker's own message: publish the single-disk requests of these positions.

    A large batch is fanned out in two steps, so that no one invocation publishes every
    disk's message in turn.
    """

    model_config = ConfigDict(extra="forbid")

    batch_id: str = Field(pattern=TRANSFER_ID_PATTERN)
    positions: list[StrictInt] = Field(min_length=1, max_length=MAX_BATCH_VOLUMES)


class BatchItemDecision(BaseModel):
    """The broker's own message: apply batch ``batch_id``'s recorded decision to one disk.

    It carries no token and no authority: the decision it applies is the one stored with
    the batch, made with the batch's token.
    """

    model_config = ConfigDict(extra="forbid")

    batch_id: str = Field(pattern=TRANSFER_ID_PATTERN)
    transfer_id: str = Field(pattern=TRANSFER_ID_PATTERN)
