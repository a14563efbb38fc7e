"""Ending an offer without a move: reject, cancel, expire, fail.

Each ends the same way: a compare-and-set into the final state that erases the sealed
``auth_key``, then the EVS transfer is deleted so the disk is ``available`` again in the
source account, then the parties are told. A delete that fails leaves the record's
``evs_transfer_open`` set for the sweep; a transfer EVS no longer knows may have been
accepted after all, which only the owner of the disk can tell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from evs_transfer.logs import get_logger
from evs_transfer.models import Notice, NoticeKind, TransferRecord, TransferState
from evs_transfer.workflow.common import Caller, Steps

log = get_logger()

NoticesOf = Callable[[TransferRecord], Sequence[Notice]]

_EVENTS = {
    TransferState.REJECTED: "transfer.rejected",
    TransferState.CANCELLED: "transfer.cancelled",
    TransferState.EXPIRED: "transfer.expired",
    TransferState.FAILED: "transfer.closed_failed",
    TransferState.LOCKED: "transfer.locked",
}


class Closing:
    """Ends offers and records what the cloud says happened."""

    def __init__(self, steps: Steps) -> None:
        self._steps = steps

    def close(
        self,
        record: TransferRecord,
        caller: Caller,
        *,
        action: str,
        new_state: TransferState,
        reason: str,
        notices: NoticesOf,
        expected: TransferState = TransferState.PENDING_APPROVAL,
        changes: dict[str, object] | None = None,
    ) -> TransferRecord:
        """Move ``record`` to a final state, delete its EVS transfer, tell the parties.

        Raises:
            InvalidState: Another actor moved the record first.
        """
        closed, queued = self._steps.queue_transition(
            record,
            caller,
            action,
            expected,
            new_state,
            reason=reason,
            changes={"auth_key_ciphertext": None, **(changes or {})},
            notices=notices(record),
        )
        outcome = self._steps.delete_evs_transfer(closed)
        if outcome == "gone" and self._steps.maybe_owned_by_target(closed):
            for notice in queued:
                self._steps.outbox.failed(notice.id, "superseded: accepted", None)
            return self.reconcile_accepted(closed, caller)
        self._steps.deliver(closed, queued)
        log.info(_EVENTS[new_state], transfer_id=closed.id, evs=outcome)

        return closed

    def expire(self, record: TransferRecord, caller: Caller) -> TransferRecord:
        """Close an offer nobody decided on in time; both sides are told."""
        return self.close(
            record,
            caller,
            action="expired",
            new_state=TransferState.EXPIRED,
            reason=f"no decision before {record.expires_at.isoformat()}",
            notices=lambda r: self._steps.notice(
                r, NoticeKind.EXPIRED, r.source_account, r.target_account
            ),
        )

    def finish(self, record: TransferRecord, caller: Caller) -> TransferRecord:
        """Delete the EVS transfer of an ended record whose delete failed before."""
        if not record.state.is_final or not record.evs_transfer_open:
            return record
        outcome = self._steps.delete_evs_transfer(record)
        if outcome == "gone" and self._steps.maybe_owned_by_target(record):
            return self.reconcile_accepted(record, caller)
        log.info("transfer.cleanup", transfer_id=record.id, evs=outcome)

        return self._steps.store.get(record.id)

    def settle_accept(self, record: TransferRecord, caller: Caller) -> TransferRecord:
        """Decide an ``accepting`` record whose invocation is gone, from the cloud.

        The target owns the disk: accepted. The EVS transfer is still there: back to
        pending, so the approval can be sent again. Neither: failed.

        Raises:
            InvalidState: Another actor settled the record first.
            CloudError: The cloud could not be read; the record stays as it is.
        """
        if self._steps.owned_by_target(record):
            return self.reconcile_accepted(record, caller)
        if self.evs_transfer_exists(record):
            return self._steps.transition(
                record,
                caller,
                "accept_interrupted",
                TransferState.ACCEPTING,
                TransferState.PENDING_APPROVAL,
                reason="the accepting invocation ended without an outcome",
                changes={"lease_until": None},
            )

        return self.fail(
            record,
            caller,
            expected=TransferState.ACCEPTING,
            code="evs_transfer_gone",
            reason="the EVS transfer ended while the accept was in progress",
        )

    def evs_transfer_exists(self, record: TransferRecord) -> bool:
        """Tell whether the record's EVS transfer is still pending in the source."""
        if not record.evs_transfer_id:
            return False
        source = self._steps.settings.member(record.source_account)

        return self._steps.cloud.evs(source).transfer_exists(record.evs_transfer_id)

    def reconcile_accepted(
        self, record: TransferRecord, caller: Caller
    ) -> TransferRecord:
        """Record an accept that went through although nobody saw it succeed."""
        accepted = self._steps.transition(
            record,
            caller,
            "accept_reconciled",
            record.state,
            TransferState.ACCEPTED,
            reason="the target account owns the disk",
            changes={"auth_key_ciphertext": None, "evs_transfer_open": False},
            notices=self.accepted_notices(record),
        )
        log.warning("transfer.accept_reconciled", transfer_id=record.id)

        return accepted

    def accepted_notices(self, record: TransferRecord) -> list[Notice]:
        """Tell both sides the disk has moved."""
        return self._steps.notice(
            record, NoticeKind.ACCEPTED, record.source_account, record.target_account
        )

    def fail(
        self,
        record: TransferRecord,
        caller: Caller,
        *,
        expected: TransferState,
        code: str,
        reason: str,
    ) -> TransferRecord:
        """End a transfer that cannot complete, naming why; both sides are told."""
        failed = self.close(
            record,
            caller,
            action="failed",
            new_state=TransferState.FAILED,
            reason=reason,
            expected=expected,
            changes={"failure_code": code, "failure_reason": reason},
            notices=lambda r: self._steps.notice(
                r, NoticeKind.FAILED, r.source_account, r.target_account, reason=reason
            ),
        )
        log.warning("transfer.failed", transfer_id=record.id, failure_code=code)

        return failed
