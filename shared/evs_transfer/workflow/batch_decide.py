"""Answering a batch: one decision, checked once, applied to each of its pending disks.

The decision is recorded with the batch by a compare-and-set, then fanned out: one message
per pending disk to the approvals topic, each handled by an accept-function invocation of
its own. The messages carry no token and no authority; each applies the decision the
batch recorded, to a disk of that batch only. What a lost message leaves pending, the sweep
applies.
"""

from __future__ import annotations

import dataclasses

from pydantic import SecretStr

from evs_transfer.batch_store import BatchStore
from evs_transfer.batches import (
    BatchApproval,
    BatchItemDecision,
    BatchRecord,
    BatchState,
)
from evs_transfer.errors import ApprovalDenied, InvalidRequest, InvalidState
from evs_transfer.logs import get_logger
from evs_transfer.models import TransferRecord, TransferState
from evs_transfer.tokens import token_matches
from evs_transfer.workflow.batch_progress import BatchProgress, publish_all
from evs_transfer.workflow.common import Caller, Steps
from evs_transfer.workflow.decide import DecideTransfer

log = get_logger()

DECIDE_ITEM_ACTION = "decide_batch_item"
"""The ``action`` of the broker's own per-disk messages on the approvals topic."""


class DecideBatch:
    """The accept-function's action on a decision for a whole batch."""

    def __init__(self, steps: Steps) -> None:
        self._steps = steps
        self._batches = BatchStore(steps.store.engine)

    def preview(
        self, batch_id: str, token: SecretStr
    ) -> tuple[BatchRecord, list[TransferRecord]]:
        """Return a batch a valid token is for, with its offered disks; change nothing.

        Raises:
            BatchNotFound: No such batch.
            ApprovalDenied: The token is not the batch's (links are fetched by scanners:
                nothing is counted).
        """
        batch = self._batches.get(batch_id)
        if not token_matches(token, batch.approval_token_hash):
            log.warning("approval_page.refused", batch_id=batch.id)
            raise ApprovalDenied(
                f"the approval token is not valid for batch {batch.id}"
            )
        records = self._steps.store.of_batch(batch.id)

        return batch, [r for r in records if r.state is not TransferState.REFUSED]

    def decide(self, approval: BatchApproval, caller: Caller) -> BatchRecord:
        """Record the target's decision for every pending disk of a batch, fan it out.

        A repeat of the same decision sends the disks it has not reached yet again.

        Raises:
            BatchNotFound: No such batch.
            ApprovalDenied: The token is not the batch's.
            InvalidState: The batch is not offered (yet), was decided otherwise, or has
                no pending disk left.
        """
        batch = self._batches.get(approval.batch_id)
        if batch.state in (BatchState.OFFERING, BatchState.REFUSED):
            # No token exists yet, or ever: nothing to guess, nothing to count.
            raise InvalidState(
                f"batch {batch.id} is {batch.state.value}: it has not been offered",
                current_state=batch.state.value,
            )
        if not token_matches(approval.token, batch.approval_token_hash):
            # Once decided, guesses can no longer lock what the target approved.
            if batch.state is BatchState.PENDING_APPROVAL:
                self._count_wrong_token(batch, caller)
            raise ApprovalDenied(
                f"the approval token is not valid for batch {batch.id}"
            )

        if batch.state is BatchState.PENDING_APPROVAL:
            self._require_open_disks(batch)
            batch = self._record(batch, approval, caller)
        if batch.state not in (BatchState.DECIDED, BatchState.CLOSED):
            raise InvalidState(
                f"batch {batch.id} is {batch.state.value}, not pending approval",
                current_state=batch.state.value,
            )
        if batch.decision is None:
            raise InvalidState(
                f"batch {batch.id} is closed: none of its disks is pending any more",
                current_state=batch.state.value,
            )
        if batch.decision is not approval.decision:
            raise InvalidState(
                f"batch {batch.id} was decided already: {batch.decision.value}",
                current_state=batch.state.value,
            )
        self._fan_out(batch)

        return batch

    def _require_open_disks(self, batch: BatchRecord) -> None:
        # A decision for no disk would only tell both sides a false outcome.
        if self._batches.pending_transfer_ids(batch.id, open_at=self._steps.clock()):
            return
        BatchProgress(self._steps).close_if_done(batch.id)
        raise InvalidState(
            f"batch {batch.id} has no disk whose offer is still open",
            current_state=self._batches.get(batch.id).state.value,
        )

    def _record(
        self, batch: BatchRecord, approval: BatchApproval, caller: Caller
    ) -> BatchRecord:
        # Two decisions at once: one wins the compare-and-set, the other finds it made.
        moved = self._batches.transition(
            batch.id,
            expected=BatchState.PENDING_APPROVAL,
            new_state=BatchState.DECIDED,
            changes={
                "decision": approval.decision.value,
                "decided_by": caller.actor[:255],
                "decision_reason": approval.reason,
            },
            now=self._steps.clock(),
        )
        if moved:
            log.info(
                "batch.decided",
                batch_id=batch.id,
                decision=approval.decision.value,
                actor=caller.actor,
            )

        return self._batches.get(batch.id)

    def apply_item(self, message: BatchItemDecision, caller: Caller) -> TransferRecord:
        """Apply a batch's recorded decision to one of its disks.

        Raises:
            InvalidRequest: The transfer is not a disk of the batch.
            InvalidState: The batch has no decision, or the disk is no longer pending.
        """
        batch = self._batches.get(message.batch_id)
        record = self._steps.store.get(message.transfer_id)
        if record.batch_id != batch.id:
            raise InvalidRequest(
                f"transfer {record.id} is not a disk of batch {batch.id}",
                details=[{"field": "transfer_id"}],
            )
        if batch.state is not BatchState.DECIDED or batch.decision is None:
            raise InvalidState(
                f"batch {batch.id} has no decision to apply",
                current_state=batch.state.value,
            )

        # The audit trail names who decided for the batch, not the fan-out message.
        acting = dataclasses.replace(
            caller,
            actor=f"batch:{batch.id}:{batch.decided_by}"[:255],
            for_batch=batch.id,
        )
        try:
            return DecideTransfer(self._steps).apply(
                record, batch.decision, batch.decision_reason or "", acting
            )
        finally:
            # Also when this disk ended otherwise (expired, failed): it may be the last.
            BatchProgress(self._steps).close_if_done(batch.id)

    def _fan_out(self, batch: BatchRecord) -> int:
        # One message per pending disk; what a failure leaves pending, the sweep applies.
        messages = (
            (
                f"evs-transfer batch {batch.id} decision",
                {
                    "action": DECIDE_ITEM_ACTION,
                    "batch_id": batch.id,
                    "transfer_id": transfer_id,
                },
            )
            for transfer_id in self._batches.pending_transfer_ids(batch.id)
        )
        topic = self._steps.settings.approvals_topic_urn
        sent = publish_all(self._steps, topic, messages, batch_id=batch.id)
        log.info("batch.fanned_out", batch_id=batch.id, messages=sent)

        return sent

    def _count_wrong_token(self, batch: BatchRecord, caller: Caller) -> None:
        # The batch token opens every disk of the batch, so guessing it counts against
        # each of them: past the limit, each pending disk is locked like a single offer.
        log.warning("batch.approval_refused", batch_id=batch.id, actor=caller.actor)
        count = self._batches.count_failed_approval(batch.id)
        if count < self._steps.settings.max_failed_approvals:
            return
        decide = DecideTransfer(self._steps)
        for transfer_id in self._batches.pending_transfer_ids(batch.id):
            record = self._steps.store.get(transfer_id)
            decide.lock(record, caller, count)
