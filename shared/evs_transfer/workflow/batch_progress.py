"""A batch's way from its disks' records to its one offer.

Each disk of a batch is offered (or refused) by its own create, in its own invocation. The
create that settles the last queued disk moves the batch on, by a compare-and-set, so it is
done exactly once: to ``pending_approval`` with one offer to the target account when any
disk was offered, else to ``refused``; either way the source gets a summary.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable
from typing import Any

from evs_transfer import batch_notifications
from evs_transfer.batch_notifications import BATCH_KINDS
from evs_transfer.batch_store import BatchStore
from evs_transfer.batches import BatchItem, BatchRecord, BatchState, item_client_token
from evs_transfer.errors import CloudError
from evs_transfer.logs import get_logger
from evs_transfer.models import (
    Notice,
    NoticeKind,
    TransferRequest,
    TransferState,
)
from evs_transfer.notifications import Rendered
from evs_transfer.tokens import new_approval_token, token_digest
from evs_transfer.workflow.common import Steps

log = get_logger()


def disk_request(batch: BatchRecord, item: BatchItem) -> TransferRequest:
    """Return the single-disk request a batch fans out for one of its disks."""
    return TransferRequest(
        volume_id=item.volume_id,
        source_account=batch.source_account,
        target_account=batch.target_account,
        requester=batch.requester,
        reason=batch.reason,
        ttl_seconds=batch.ttl_seconds,
        client_token=item_client_token(batch.id, item.position),
        batch_id=batch.id,
    )


def publish_all(
    steps: Steps,
    topic_urn: str,
    messages: Iterable[tuple[str, dict[str, Any]]],
    **fields: Any,
) -> int:
    """Publish the broker's own JSON messages in order; stop at the first failure.

    SMN is then likely down for the rest too: what was not published is left for a
    repeat of the request or for the sweep. ``fields`` go into the failure's log line.

    Returns:
        How many messages were published, from the first.
    """
    smn = steps.cloud.smn()
    sent = 0
    for subject, document in messages:
        try:
            smn.publish(
                topic_urn, subject=subject, messages={"default": json.dumps(document)}
            )
        except CloudError as exc:
            log.warning(
                "batch.publish_failed",
                subject=subject,
                error_code=exc.error_code,
                **fields,
            )
            break
        sent += 1

    return sent


class BatchProgress:
    """Moves a batch on once its disks are settled, and sends what it has to say."""

    def __init__(self, steps: Steps) -> None:
        self._steps = steps
        self._batches = BatchStore(steps.store.engine)

    def settle(self, batch_id: str) -> BatchRecord:
        """Offer the batch to its target if no disk of it is queued any more.

        Safe to call from every disk's create, and again: only one call moves the batch.
        """
        batch = self._batches.get(batch_id)
        if batch.state is not BatchState.OFFERING or self._batches.queued_left(
            batch_id
        ):
            return batch
        records = self._steps.store.of_batch(batch_id)
        offered = [r for r in records if r.state is not TransferState.REFUSED]
        notices = [self._notice(batch, NoticeKind.BATCH_SUMMARY, batch.source_account)]
        if offered:
            notices.insert(
                0, self._notice(batch, NoticeKind.BATCH_OFFERED, batch.target_account)
            )
        new_state = BatchState.PENDING_APPROVAL if offered else BatchState.REFUSED
        moved = self._batches.transition(
            batch_id,
            expected=BatchState.OFFERING,
            new_state=new_state,
            notices=notices,
            now=self._steps.clock(),
        )
        batch = self._batches.get(batch_id)
        if not moved:
            return batch
        log.info(
            "batch.settled",
            batch_id=batch_id,
            state=new_state.value,
            offered=len(offered),
            refused=len(records) - len(offered),
        )
        self.deliver(batch, notices)

        return batch

    def close_if_done(self, batch_id: str) -> bool:
        """Close a batch none of whose disks is open any more.

        A decided batch tells both sides what its decision did; one whose disks all
        ended on their own (decided one by one, expired, cancelled) was told disk by disk.
        Safe to call after each disk: only one call closes it.

        Returns:
            Whether this call closed it.
        """
        # After every disk a decision reaches: a look at the batch, not at its disks.
        batch = self._batches.get(batch_id)
        open_states = (BatchState.PENDING_APPROVAL, BatchState.DECIDED)
        if batch.state not in open_states or self._batches.has_open_disks(batch_id):
            return False
        notices = (
            [
                self._notice(batch, NoticeKind.BATCH_DECIDED, account)
                for account in (batch.source_account, batch.target_account)
            ]
            if batch.state is BatchState.DECIDED
            else []
        )
        moved = self._batches.transition(
            batch_id,
            expected=batch.state,
            new_state=BatchState.CLOSED,
            notices=notices,
            now=self._steps.clock(),
        )
        if moved:
            log.info("batch.closed", batch_id=batch_id)
            self.deliver(self._batches.get(batch_id), notices)

        return moved

    def deliver(self, batch: BatchRecord, notices: list[Notice]) -> None:
        """Publish the batch's queued notices that nobody else is sending."""
        retry = self._steps.retry_delay()
        for notice in notices:
            if notice.kind not in BATCH_KINDS:
                raise ValueError(f"{notice.kind.value} is not a batch notice")
            if self._steps.outbox.claim(notice.id, self._steps.clock(), retry):
                self._steps.publish_notice(
                    notice, functools.partial(self._render, batch, notice), retry
                )

    def _render(self, batch: BatchRecord, notice: Notice) -> Rendered | None:
        records = self._steps.store.of_batch(batch.id)
        if notice.kind is NoticeKind.BATCH_SUMMARY:
            return batch_notifications.batch_summary(batch, records)
        if notice.kind is NoticeKind.BATCH_DECIDED:
            return batch_notifications.batch_outcome(batch, records)
        # Only a digest is kept: every sending of the offer carries a new token, and
        # the one before stops working, for the batch and each of its disks.
        token = new_approval_token()
        if not self._batches.issue_token(batch.id, token_digest(token)):
            return None
        pending = [r for r in records if r.state is TransferState.PENDING_APPROVAL]
        if not pending:
            return None

        return batch_notifications.batch_offer(
            batch, pending, self._steps.settings, token
        )

    def _notice(self, batch: BatchRecord, kind: NoticeKind, account: str) -> Notice:
        return Notice(
            id=uuid.uuid4().hex, transfer_id=batch.id, kind=kind, account=account
        )
