"""The transfer workflow: offer a disk, then accept, reject, cancel or let it expire.

``create`` checks the disk, creates the EVS transfer in the source account, seals its
``auth_key`` with KMS to this record, stores the record and offers the disk to the target
account. ``decide`` checks an approval against the record, then either accepts the transfer
in the target account (decrypting the ``auth_key`` only there) or deletes it. ``cancel``
lets the source take its offer back; ``sweep`` does on a timer what nobody waits for.
``request_batch`` and ``decide_batch`` do the same for many disks at once: one transfer
each, one offer and one approval for all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from evs_transfer.batch_store import BatchStore
from evs_transfer.batches import (
    BatchApproval,
    BatchChunk,
    BatchItemDecision,
    BatchRecord,
    BatchRequest,
)
from evs_transfer.cloud.accounts import Cloud
from evs_transfer.config import Settings
from evs_transfer.models import (
    Approval,
    AuditEvent,
    Cancellation,
    TransferQuery,
    TransferRecord,
    TransferRequest,
    TransferState,
)
from evs_transfer.store import TransferStore, utcnow
from evs_transfer.workflow.batch import BatchPlan, RequestBatch, batch_view
from evs_transfer.workflow.batch_decide import DecideBatch
from evs_transfer.workflow.cancel import CancelTransfer
from evs_transfer.workflow.common import Caller, Steps, auth_key_aad
from evs_transfer.workflow.create import Checked, CreateTransfer
from evs_transfer.workflow.decide import DecideTransfer
from evs_transfer.workflow.sweep import SweepTransfers

__all__ = ["Caller", "Checked", "TransferService", "auth_key_aad"]


class TransferService:
    """Runs the transfer workflow for one invocation."""

    def __init__(
        self,
        settings: Settings,
        store: TransferStore,
        cloud: Cloud,
        clock: Callable[[], dt.datetime] = utcnow,
        deadline: dt.datetime | None = None,
    ) -> None:
        self._steps = Steps(
            settings=settings, store=store, cloud=cloud, clock=clock, deadline=deadline
        )
        self._store = store

    def get(self, transfer_id: str) -> TransferRecord:
        """Return a transfer record; raises ``TransferNotFound`` when there is none."""
        return self._store.get(transfer_id)

    def status(self, transfer_id: str) -> dict[str, Any]:
        """Return a transfer as callers see it, with its history and notifications."""
        record = self._store.get(transfer_id)
        view = record.public_view()
        view["events"] = [_event_view(e) for e in self._store.events(transfer_id)]
        view["notifications"] = self._steps.outbox.of_transfer(transfer_id)

        return view

    def find(self, query: TransferQuery) -> list[TransferRecord]:
        """Return the transfers matching ``query``, newest first."""
        return self._store.find(query)

    def check(self, request: TransferRequest) -> Checked:
        """Run every rule against a request and create nothing (a dry run)."""
        return CreateTransfer(self._steps).check(request)

    def create(self, request: TransferRequest, caller: Caller) -> TransferRecord:
        """Offer a disk to the target account (see :class:`CreateTransfer`)."""
        return CreateTransfer(self._steps).create(request, caller)

    def preview(self, transfer_id: str, token: SecretStr) -> TransferRecord:
        """Return the transfer a valid approval token is for, changing nothing."""
        return DecideTransfer(self._steps).preview(transfer_id, token)

    def decide(self, approval: Approval, caller: Caller) -> TransferRecord:
        """Apply the target's decision to a pending transfer (see :class:`DecideTransfer`)."""
        return DecideTransfer(self._steps).decide(approval, caller)

    def cancel(self, cancellation: Cancellation, caller: Caller) -> TransferRecord:
        """Take a pending offer back (see :class:`CancelTransfer`)."""
        return CancelTransfer(self._steps).cancel(cancellation, caller)

    def check_batch(self, request: BatchRequest) -> BatchPlan:
        """Select a batch's disks and run the cheap checks; create nothing (a dry run)."""
        return RequestBatch(self._steps).plan(request)

    def request_batch(self, request: BatchRequest, caller: Caller) -> dict[str, Any]:
        """Record a batch and fan it out (see :class:`RequestBatch`); return its view."""
        batch = RequestBatch(self._steps).request(request, caller)

        return batch_view(self._steps, batch)

    def publish_batch_chunk(self, chunk: BatchChunk) -> int:
        """Publish the per-disk requests of one chunk of a large batch."""
        return RequestBatch(self._steps).publish_chunk(chunk)

    def batch_status(self, batch_id: str) -> dict[str, Any]:
        """Return a batch as callers see it, with the state of each of its disks."""
        batch = BatchStore(self._store.engine).get(batch_id)

        return batch_view(self._steps, batch)

    def preview_batch(
        self, batch_id: str, token: SecretStr
    ) -> tuple[BatchRecord, list[TransferRecord]]:
        """Return a batch a valid token is for, with its offered disks; change nothing."""
        return DecideBatch(self._steps).preview(batch_id, token)

    def batch_records(self, batch_id: str) -> tuple[BatchRecord, list[TransferRecord]]:
        """Return a batch with the records of its offered disks."""
        batch = BatchStore(self._store.engine).get(batch_id)
        records = self._store.of_batch(batch_id)

        return batch, [r for r in records if r.state is not TransferState.REFUSED]

    def decide_batch(self, approval: BatchApproval, caller: Caller) -> dict[str, Any]:
        """Decide for every pending disk of a batch (see :class:`DecideBatch`)."""
        batch = DecideBatch(self._steps).decide(approval, caller)

        return batch_view(self._steps, batch)

    def apply_batch_decision(
        self, message: BatchItemDecision, caller: Caller
    ) -> TransferRecord:
        """Apply a batch's recorded decision to one of its disks."""
        return DecideBatch(self._steps).apply_item(message, caller)

    def sweep(self, caller: Caller) -> dict[str, int]:
        """Expire, reconcile, clean up and re-notify (see :class:`SweepTransfers`)."""
        return SweepTransfers(self._steps).sweep(caller)


def _event_view(event: AuditEvent) -> dict[str, Any]:
    return event.model_dump(mode="json")
