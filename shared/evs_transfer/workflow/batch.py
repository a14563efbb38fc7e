"""Requesting many disks at once: a cheap check of all of them, then one message per disk.

The batch is checked in a few list calls: the disks themselves (``ListVolumes`` with an
id filter, 60 at a time, or ``ListVolumesByTags``) and the broker's open transfers. What
those reveal (missing, in use, attached, encrypted, prepaid, dedicated storage, already
requested) refuses a disk at once, with its own record. Every other disk is published to
the requests topic as a single-disk request, so each gets its full check and its EVS
transfer in an invocation of its own and FunctionGraph scales the work out. A message that
cannot be published stays queued; a repeat of the request or the sweep sends it again,
and its idempotency key makes a second delivery harmless.
"""

from __future__ import annotations

import collections
import dataclasses
import uuid
from typing import Any

from evs_transfer.batch_store import BatchStore
from evs_transfer.batches import (
    MAX_BATCH_VOLUMES,
    BatchChunk,
    BatchItem,
    BatchRecord,
    BatchRequest,
    BatchState,
    ItemState,
    TagSelector,
)
from evs_transfer.config import MemberAccount
from evs_transfer.errors import (
    BatchNotEligible,
    ConfigurationError,
    IdempotencyKeyReused,
)
from evs_transfer.logs import get_logger
from evs_transfer.models import Volume
from evs_transfer.validation import (
    Finding,
    errors_of,
    open_transfer_finding,
    screen_volume,
    target_findings,
)
from evs_transfer.workflow.batch_progress import (
    BatchProgress,
    disk_request,
    publish_all,
)
from evs_transfer.workflow.common import Caller, Steps
from evs_transfer.workflow.create import Checked, CreateTransfer

log = get_logger()

FAN_OUT_CHUNK = 25
"""Disks per chunk message: a batch larger than this is published by many invocations."""
OFFER_CHUNK_ACTION = "offer_batch_chunk"


@dataclasses.dataclass(frozen=True)
class BatchPlan:
    """What the cheap check of a batch found: its disks, in order, and each one's findings."""

    source: MemberAccount
    target: MemberAccount
    volume_ids: list[str]
    volumes: dict[str, Volume]
    findings: dict[str, list[Finding]]

    def refused(self) -> list[str]:
        """Return the disks the cheap check already refuses."""
        return [v for v in self.volume_ids if errors_of(self.findings[v])]

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as a dry run answers it."""
        return {
            "dry_run": True,
            "volume_count": len(self.volume_ids),
            "eligible": len(self.volume_ids) - len(self.refused()),
            "volumes": [
                {
                    "volume_id": volume_id,
                    "eligible": not errors_of(self.findings[volume_id]),
                    "findings": [f.to_dict() for f in self.findings[volume_id]],
                }
                for volume_id in self.volume_ids
            ],
        }


class RequestBatch:
    """The create-function's action on a request naming many disks."""

    def __init__(self, steps: Steps) -> None:
        self._steps = steps
        self._batches = BatchStore(steps.store.engine)

    def plan(self, request: BatchRequest) -> BatchPlan:
        """Select the disks and run the checks a listing can decide; create nothing.

        Raises:
            UnknownAccount: The source account is not a configured member.
            BatchNotEligible: The target is wrong, or the selection names no disk.
            CloudError: The disks could not be listed.
        """
        settings = self._steps.settings
        source = settings.member(request.source_account)
        target = self._steps.find_member(request.target_account)
        account_findings = target_findings(
            source.name, target.name if target else None, request.target_account
        )
        if target is None or account_findings:
            raise BatchNotEligible(
                "no disk of the batch can go to that account",
                details=[finding.to_dict() for finding in account_findings],
            )
        evs = self._steps.cloud.evs(source)
        volume_ids = (
            self._tagged(request.tag, source)
            if request.tag is not None
            else list(request.volume_ids or [])
        )
        volumes = evs.list_volumes(volume_ids)
        open_records = self._steps.store.open_transfers_for_volumes(volume_ids)
        findings = {}
        for volume_id in volume_ids:
            findings[volume_id] = screen_volume(volume_id, volumes.get(volume_id))
            pending = open_records.get(volume_id)
            if pending is not None:
                findings[volume_id].append(
                    open_transfer_finding(volume_id, pending.id, pending.state.value)
                )

        return BatchPlan(source, target, volume_ids, volumes, findings)

    def request(self, request: BatchRequest, caller: Caller) -> BatchRecord:
        """Record the batch, refuse what the cheap check refuses, fan out the rest.

        Raises:
            ConfigurationError: No requests topic is configured to fan out over.
            IdempotencyKeyReused: The key was used for a different request.
            BatchNotEligible: See :meth:`plan`; nothing is recorded.
        """
        if self._steps.settings.requests_topic_urn is None:
            raise ConfigurationError(
                "batches are fanned out over the requests topic, and none is configured"
            )
        CreateTransfer(self._steps).ttl(request.ttl_seconds)
        key = request.client_token or caller.idempotency_key or uuid.uuid4().hex
        existing = self._batches.by_key(key)
        if existing is not None:
            return self._repeat(existing, request)

        plan = self.plan(request)
        now = self._steps.clock()
        batch = BatchRecord(
            id=uuid.uuid4().hex,
            state=BatchState.OFFERING,
            request_key=key,
            digest=request.digest(),
            source_account=plan.source.name,
            target_account=plan.target.name,
            requester=request.requester,
            reason=request.reason,
            ttl_seconds=request.ttl_seconds,
            selector=request.selector(),
            created_at=now,
            updated_at=now,
        )
        stored = self._batches.insert(batch, plan.volume_ids)
        if stored.id != batch.id:
            return self._repeat(stored, request)
        log.info("batch.created", batch_id=batch.id, volumes=len(plan.volume_ids))
        self._refuse(batch, plan, caller)
        self._fan_out(batch, self._queued(batch.id))

        return BatchProgress(self._steps).settle(batch.id)

    def publish_chunk(self, chunk: BatchChunk) -> int:
        """Publish the single-disk requests of a chunk's disks that are still queued.

        Raises:
            BatchNotFound: No such batch.
        """
        batch = self._batches.get(chunk.batch_id)
        items = self._batches.items(batch.id, chunk.positions)
        queued = [item for item in items if item.state is ItemState.QUEUED]

        return self.publish(batch, queued)

    def publish(self, batch: BatchRecord, items: list[BatchItem]) -> int:
        """Publish one single-disk request per item to the requests topic.

        A failure stops the run (SMN is likely down for the rest too); what was not
        published stays due for the sweep.

        Returns:
            How many messages were published.
        """
        topic = str(self._steps.settings.requests_topic_urn)
        messages = (
            (
                f"evs-transfer batch {batch.id} disk {item.position}",
                {
                    "action": "request",
                    **disk_request(batch, item).model_dump(
                        mode="json", exclude_none=True
                    ),
                },
            )
            for item in items
        )
        sent = publish_all(self._steps, topic, messages, batch_id=batch.id)
        published = [item.position for item in items[:sent]]
        self._batches.mark_published(batch.id, published, self._steps.clock())

        return len(published)

    def _fan_out(self, batch: BatchRecord, items: list[BatchItem]) -> None:
        if len(items) <= FAN_OUT_CHUNK:
            self.publish(batch, items)
            return
        # Each chunk's invocation publishes its disks' messages, in parallel with the
        # others. A chunk that is lost leaves its disks unpublished, for the sweep.
        chunks = [
            [item.position for item in items[start : start + FAN_OUT_CHUNK]]
            for start in range(0, len(items), FAN_OUT_CHUNK)
        ]
        messages = (
            (
                f"evs-transfer batch {batch.id} disks {positions[0]}+",
                {
                    "action": OFFER_CHUNK_ACTION,
                    "batch_id": batch.id,
                    "positions": positions,
                },
            )
            for positions in chunks
        )
        topic = str(self._steps.settings.requests_topic_urn)
        publish_all(self._steps, topic, messages, batch_id=batch.id)

    def _tagged(self, tag: TagSelector, source: MemberAccount) -> list[str]:
        found = self._steps.cloud.evs(source).volume_ids_by_tag(
            tag.key, tag.value, MAX_BATCH_VOLUMES + 1
        )
        selector = f"{tag.key}={tag.value}" if tag.value else tag.key
        finding = None
        if not found:
            finding = Finding(
                code="no_volume_selected",
                message=f"no disk of account {source.name} carries the tag {selector}",
                fix="check the tag's key and value, the source account and the region",
                detail={"tag": selector},
            )
        elif len(found) > MAX_BATCH_VOLUMES:
            finding = Finding(
                code="too_many_volumes",
                message=f"the tag {selector} selects more than {MAX_BATCH_VOLUMES} disks",
                fix=f"split the move into batches of at most {MAX_BATCH_VOLUMES} disks",
                detail={"tag": selector, "limit": MAX_BATCH_VOLUMES},
            )
        if finding is not None:
            raise BatchNotEligible(finding.message, details=[finding.to_dict()])

        return found

    def _refuse(self, batch: BatchRecord, plan: BatchPlan, caller: Caller) -> None:
        create = CreateTransfer(self._steps)
        for item in self._batches.items(batch.id):
            findings = plan.findings[item.volume_id]
            if not errors_of(findings):
                continue
            checked = Checked(
                plan.source, plan.target, plan.volumes.get(item.volume_id), findings
            )
            create.refuse(disk_request(batch, item), checked, caller, item.position)

    def _queued(self, batch_id: str) -> list[BatchItem]:
        return [
            item
            for item in self._batches.items(batch_id)
            if item.state is ItemState.QUEUED
        ]

    def _repeat(self, batch: BatchRecord, request: BatchRequest) -> BatchRecord:
        if batch.digest != request.digest():
            raise IdempotencyKeyReused(
                "the client_token was used for a different batch request"
            )
        # The first attempt may have died before publishing every disk.
        unpublished = [
            item for item in self._queued(batch.id) if item.published_at is None
        ]
        self.publish(batch, unpublished)
        log.info("batch.replayed", batch_id=batch.id)

        return BatchProgress(self._steps).settle(batch.id)


def batch_view(steps: Steps, batch: BatchRecord) -> dict[str, Any]:
    """Return a batch as callers see it: each disk's state, counts, notifications.

    A disk's state is its transfer's once the transfer exists, else ``queued``.
    """
    volumes = [
        {
            "position": row["position"],
            "volume_id": row["volume_id"],
            "transfer_id": row["transfer_id"],
            "state": row["transfer_state"] or row["item_state"],
            "failure_reason": row["failure_reason"],
        }
        for row in BatchStore(steps.store.engine).item_states(batch.id)
    ]
    counts = collections.Counter(volume["state"] for volume in volumes)

    return {
        **batch.public_view(),
        "counts": dict(sorted(counts.items())),
        "volumes": volumes,
        "notifications": steps.outbox.of_transfer(batch.id),
    }
