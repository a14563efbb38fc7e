"""The sweep: what nobody is waiting for, done on a timer.

Each run expires offers past their expiry, settles accepts whose invocation died (its lease
ran out), finishes EVS deletes that failed, notices EVS transfers or disks removed outside
the broker, and sends notifications that failed to publish. Every change is a compare-and-
set and every notice is claimed before it is sent, so two sweeps at once, or a sweep next to
an approval, never do the same thing twice; a sweep that dies half way leaves the rest due
for the next run.
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Callable

from evs_transfer.batch_notifications import BATCH_KINDS
from evs_transfer.batch_store import BatchStore
from evs_transfer.claims import Claim, CreateClaims
from evs_transfer.errors import CloudError, InvalidState, TransferError
from evs_transfer.logs import get_logger
from evs_transfer.models import Notice, TransferRecord, TransferState
from evs_transfer.workflow.batch_progress import BatchProgress
from evs_transfer.workflow.batch_sweep import sweep_batches
from evs_transfer.workflow.closing import Closing
from evs_transfer.workflow.common import Caller, Steps
from evs_transfer.workflow.create import CreateTransfer

log = get_logger()


class SweepTransfers:
    """The sweep-function's action."""

    def __init__(self, steps: Steps) -> None:
        self._steps = steps
        self._closing = Closing(steps)

    def sweep(self, caller: Caller) -> dict[str, int]:
        """Run every duty once over at most ``sweep_batch_size`` items each.

        Returns:
            How many items each outcome had: ``expired``, ``accepted``, ``handed_back``,
            ``failed``, ``cleaned``, ``notified``, ``orphans_cleared`` (EVS transfers of
            creates that died), ``skipped`` (another actor was first) and ``errors``
            (left for the next run), and the batch duties' counts (see
            :func:`~evs_transfer.workflow.batch_sweep.sweep_batches`).
        """
        counts: collections.Counter[str] = collections.Counter()
        now = self._steps.clock()
        settings = self._steps.settings
        batch = settings.sweep_batch_size
        store = self._steps.store

        for record in store.due(
            TransferState.PENDING_APPROVAL, "expires_at", now, batch
        ):
            self._each(counts, record, lambda r: self._expire(r, caller))
        lease = dt.timedelta(seconds=settings.accept_lease_seconds)
        for record in store.due(
            TransferState.ACCEPTING, "updated_at", now - lease, batch
        ):
            self._each(counts, record, lambda r: self._settle_accept(r, caller))
        for record in store.unfinished(batch):
            self._each(counts, record, lambda r: self._compare(r, caller, now))
        for notice in self._steps.outbox.due(self._steps.clock(), batch):
            self._notify(counts, notice)
        for claim in CreateClaims(store.engine).stale(now, batch):
            self._clear_claim(counts, claim, caller)
        sweep_batches(self._steps, caller, counts)
        log.info("sweep.finished", **dict(counts))

        return dict(counts)

    def _each(
        self,
        counts: collections.Counter[str],
        record: TransferRecord,
        action: Callable[[TransferRecord], str],
    ) -> None:
        # One record that cannot be handled must not stop the sweep of the others.
        try:
            counts[action(record)] += 1
        except InvalidState:
            counts["skipped"] += 1
        except TransferError as exc:
            counts["errors"] += 1
            log.warning("sweep.item_failed", transfer_id=record.id, code=exc.code)

    def _expire(self, record: TransferRecord, caller: Caller) -> str:
        outcome = self._closing.expire(record, caller)

        return "expired" if outcome.state is TransferState.EXPIRED else "accepted"

    def _settle_accept(self, record: TransferRecord, caller: Caller) -> str:
        settled = self._closing.settle_accept(record, caller)

        return {
            TransferState.ACCEPTED: "accepted",
            TransferState.PENDING_APPROVAL: "handed_back",
        }.get(settled.state, "failed")

    def _compare(self, record: TransferRecord, caller: Caller, now: dt.datetime) -> str:
        if record.state.is_final:
            finished = self._closing.finish(record, caller)
            if finished.state is TransferState.ACCEPTED:
                return "accepted"
            return "errors" if finished.evs_transfer_open else "cleaned"
        self._steps.store.update(record.id, record.state, {"checked_at": now})
        if self._closing.evs_transfer_exists(record):
            return "unchanged"
        if self._steps.owned_by_target(record):
            self._closing.reconcile_accepted(record, caller)
            return "accepted"
        code, reason = self._why_gone(record)
        self._closing.fail(
            record,
            caller,
            expected=TransferState.PENDING_APPROVAL,
            code=code,
            reason=reason,
        )

        return "failed"

    def _why_gone(self, record: TransferRecord) -> tuple[str, str]:
        source = self._steps.settings.member(record.source_account)
        volume = self._steps.cloud.evs(source).show_volume(record.volume_id)
        if volume is None:
            return "volume_deleted", f"disk {record.volume_id} no longer exists"

        return (
            "evs_transfer_deleted",
            f"EVS transfer {record.evs_transfer_id} was deleted outside the broker",
        )

    def _clear_claim(
        self, counts: collections.Counter[str], claim: Claim, caller: Caller
    ) -> None:
        # A create died after claiming its key and left no record: the EVS transfer it
        # may have made has an auth_key nobody holds.
        try:
            CreateTransfer(self._steps).clear_claim(claim, caller)
        except TransferError as exc:
            counts["errors"] += 1
            log.warning(
                "sweep.claim_failed", transfer_id=claim.transfer_id, code=exc.code
            )
            return
        counts["orphans_cleared"] += 1

    def _notify(self, counts: collections.Counter[str], notice: Notice) -> None:
        try:
            if notice.kind in BATCH_KINDS:
                batch = BatchStore(self._steps.store.engine).get(notice.transfer_id)
                BatchProgress(self._steps).deliver(batch, [notice])
            else:
                record = self._steps.store.get(notice.transfer_id)
                self._steps.deliver(record, [notice])
        except (TransferError, CloudError) as exc:
            counts["errors"] += 1
            log.warning(
                "sweep.notice_failed", transfer_id=notice.transfer_id, code=exc.code
            )
            return
        counts["notified"] += 1
