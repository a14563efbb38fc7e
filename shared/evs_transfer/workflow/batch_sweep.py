"""The sweep's duties towards batches: what a lost message or a dead invocation left.

A disk whose request message never arrived is published again; a batch whose last disk
was settled by an invocation that died before moving the batch on is moved on; a batch
whose disks all ended is closed (a decided one tells its outcome), also when they ended
one by one; a batch decision that has not reached a disk is applied to it here.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools

from evs_transfer.batch_store import BatchStore
from evs_transfer.batches import BatchItemDecision
from evs_transfer.errors import TransferError
from evs_transfer.logs import get_logger
from evs_transfer.workflow.batch import RequestBatch
from evs_transfer.workflow.batch_decide import DecideBatch
from evs_transfer.workflow.batch_progress import BatchProgress
from evs_transfer.workflow.common import Caller, Steps

log = get_logger()


def sweep_batches(
    steps: Steps, caller: Caller, counts: collections.Counter[str]
) -> None:
    """Run each batch duty once over at most ``sweep_batch_size`` items.

    Counts ``batch_republished`` (messages sent again), ``batch_settled`` (batches moved
    on), ``batch_closed`` (batches none of whose disks is open any more), ``batch_decided``
    (disks a batch decision reached here) and ``errors``.
    """
    batches = BatchStore(steps.store.engine)
    limit = steps.settings.sweep_batch_size
    before = steps.clock() - dt.timedelta(seconds=steps.settings.batch_retry_seconds)

    stale = batches.stale_items(before, limit)
    for batch_id, items in itertools.groupby(stale, key=lambda item: item.batch_id):
        batch = batches.get(batch_id)
        counts["batch_republished"] += RequestBatch(steps).publish(batch, list(items))
    for batch_id in batches.offering_settled(limit):
        BatchProgress(steps).settle(batch_id)
        counts["batch_settled"] += 1
    for batch_id in batches.done(limit):
        if BatchProgress(steps).close_if_done(batch_id):
            counts["batch_closed"] += 1
    for batch_id, transfer_id in batches.decided_with_pending(before, limit):
        message = BatchItemDecision(batch_id=batch_id, transfer_id=transfer_id)
        try:
            DecideBatch(steps).apply_item(message, caller)
        except TransferError as exc:
            counts["errors"] += 1
            log.warning(
                "sweep.batch_item_failed", transfer_id=transfer_id, code=exc.code
            )
            continue
        counts["batch_decided"] += 1
