"""Durable batches and their disks, next to the transfer records they fan out to.

Like the transfer store, every change of a batch's state is a compare-and-set, so that the
last of its disks to be offered, or two approvals at once, cannot both act on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from evs_transfer.batches import BatchItem, BatchRecord, BatchState, ItemState
from evs_transfer.errors import BatchNotFound
from evs_transfer.models import Notice, TransferState
from evs_transfer.store import as_utc, queue_notices
from evs_transfer.tables import batch_items, batches, transfers


class BatchStore:
    """Reads and writes batches and their items."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert(self, batch: BatchRecord, volume_ids: Iterable[str]) -> BatchRecord:
        """Store a new batch with one queued item per disk, in order.

        Returns:
            The stored batch; the existing one when its request key was used before
            (a concurrent or repeated request), which the caller compares.
        """
        items = [
            {
                "batch_id": batch.id,
                "position": position,
                "volume_id": volume_id,
                "state": ItemState.QUEUED.value,
            }
            for position, volume_id in enumerate(volume_ids)
        ]
        try:
            with self._engine.begin() as conn:
                conn.execute(batches.insert().values(**_row(batch)))
                conn.execute(batch_items.insert(), items)
        except IntegrityError:
            existing = self.by_key(batch.request_key)
            if existing is None:
                raise
            return existing

        return batch

    def get(self, batch_id: str) -> BatchRecord:
        """Return the batch with ``batch_id``.

        Raises:
            BatchNotFound: There is no such batch.
        """
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(batches).where(batches.c.id == batch_id)
            ).first()
        if row is None:
            raise BatchNotFound(f"batch {batch_id} does not exist")

        return _batch(dict(row._mapping))

    def by_key(self, request_key: str) -> BatchRecord | None:
        """Return the batch a request key made, if any."""
        statement = sa.select(batches).where(batches.c.request_key == request_key)
        with self._engine.connect() as conn:
            row = conn.execute(statement).first()

        return None if row is None else _batch(dict(row._mapping))

    def items(
        self, batch_id: str, positions: Iterable[int] | None = None
    ) -> list[BatchItem]:
        """Return the batch's disks in the order they were named, or those at positions."""
        statement = (
            sa.select(batch_items)
            .where(batch_items.c.batch_id == batch_id)
            .order_by(batch_items.c.position)
        )
        if positions is not None:
            statement = statement.where(batch_items.c.position.in_(list(positions)))
        with self._engine.connect() as conn:
            rows = conn.execute(statement).all()

        return [_item(dict(row._mapping)) for row in rows]

    def item(self, batch_id: str, position: int) -> BatchItem | None:
        """Return the batch's disk at ``position``, if there is one."""
        found = self.items(batch_id, [position])

        return found[0] if found else None

    def has_open_disks(self, batch_id: str) -> bool:
        """Tell whether a transfer of the batch awaits a decision or is being accepted."""
        statement = sa.select(
            _open_disk().where(transfers.c.batch_id == batch_id).exists()
        )
        with self._engine.connect() as conn:
            return bool(conn.execute(statement).scalar())

    def item_states(self, batch_id: str) -> list[dict[str, Any]]:
        """Return each disk of the batch with its transfer's state, in order."""
        statement = (
            sa.select(
                batch_items.c.position,
                batch_items.c.volume_id,
                batch_items.c.state.label("item_state"),
                batch_items.c.transfer_id,
                transfers.c.state.label("transfer_state"),
                transfers.c.failure_reason,
                transfers.c.expires_at,
            )
            .select_from(
                batch_items.outerjoin(
                    transfers, transfers.c.id == batch_items.c.transfer_id
                )
            )
            .where(batch_items.c.batch_id == batch_id)
            .order_by(batch_items.c.position)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(statement).all()

        return [dict(row._mapping) for row in rows]

    def mark_published(
        self, batch_id: str, positions: Iterable[int], now: dt.datetime
    ) -> None:
        """Record that the per-disk messages of these items went to the requests topic."""
        wanted = list(positions)
        if not wanted:
            return
        with self._engine.begin() as conn:
            conn.execute(
                batch_items.update()
                .where(
                    batch_items.c.batch_id == batch_id,
                    batch_items.c.position.in_(wanted),
                )
                .values(published_at=now)
            )

    def queued_left(self, batch_id: str) -> int:
        """Return how many of the batch's disks have no transfer record yet."""
        statement = sa.select(sa.func.count()).where(
            batch_items.c.batch_id == batch_id,
            batch_items.c.state == ItemState.QUEUED.value,
        )
        with self._engine.connect() as conn:
            return int(conn.execute(statement).scalar_one())

    def stale_items(self, before: dt.datetime, limit: int) -> list[BatchItem]:
        """Return queued items whose message was never sent, or sent before ``before``."""
        statement = (
            sa.select(batch_items)
            .where(
                batch_items.c.state == ItemState.QUEUED.value,
                sa.or_(
                    batch_items.c.published_at.is_(None),
                    batch_items.c.published_at < before,
                ),
            )
            .order_by(batch_items.c.batch_id, batch_items.c.position)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(statement).all()

        return [_item(dict(row._mapping)) for row in rows]

    def done(self, limit: int) -> list[str]:
        """Return offered or decided batches none of whose disks is open any more.

        Their disks ended one by one, or the invocation that ended the last one died
        before it could close the batch.
        """
        open_disk = (
            sa.select(transfers.c.id)
            .where(
                transfers.c.batch_id == batches.c.id,
                transfers.c.state.in_(
                    [
                        TransferState.PENDING_APPROVAL.value,
                        TransferState.ACCEPTING.value,
                    ]
                ),
            )
            .exists()
        )
        statement = (
            sa.select(batches.c.id)
            .where(
                batches.c.state.in_(
                    [BatchState.PENDING_APPROVAL.value, BatchState.DECIDED.value]
                ),
                ~open_disk,
            )
            .order_by(batches.c.updated_at)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(statement).all()]

    def offering_settled(self, limit: int) -> list[str]:
        """Return batches still offering although none of their disks is queued.

        The create that settled the last disk died before it could move the batch on.
        """
        queued = (
            sa.select(batch_items.c.batch_id)
            .where(
                batch_items.c.batch_id == batches.c.id,
                batch_items.c.state == ItemState.QUEUED.value,
            )
            .exists()
        )
        statement = (
            sa.select(batches.c.id)
            .where(batches.c.state == BatchState.OFFERING.value, ~queued)
            .order_by(batches.c.updated_at)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(statement).all()]

    def transition(
        self,
        batch_id: str,
        *,
        expected: BatchState,
        new_state: BatchState,
        changes: Mapping[str, Any] | None = None,
        notices: Iterable[Notice] = (),
        now: dt.datetime,
    ) -> bool:
        """Move the batch to ``new_state`` if it is in ``expected``; queue ``notices``.

        Returns:
            Whether this caller moved it (another may have been first).
        """
        with self._engine.begin() as conn:
            result = conn.execute(
                batches.update()
                .where(batches.c.id == batch_id, batches.c.state == expected.value)
                .values(**(changes or {}), state=new_state.value, updated_at=now)
            )
            moved = result.rowcount == 1
            if moved:
                queue_notices(conn, notices, now)

        return bool(moved)

    def issue_token(self, batch_id: str, token_hash: str) -> bool:
        """Make ``token_hash`` the approval token of the batch and its pending disks.

        Returns:
            Whether the batch is still awaiting approval (else nothing changed).
        """
        with self._engine.begin() as conn:
            result = conn.execute(
                batches.update()
                .where(
                    batches.c.id == batch_id,
                    batches.c.state == BatchState.PENDING_APPROVAL.value,
                )
                .values(approval_token_hash=token_hash)
            )
            if result.rowcount != 1:
                return False
            conn.execute(
                transfers.update()
                .where(
                    transfers.c.batch_id == batch_id,
                    transfers.c.state == TransferState.PENDING_APPROVAL.value,
                )
                .values(approval_token_hash=token_hash, version=transfers.c.version + 1)
            )

        return True

    def pending_transfer_ids(
        self, batch_id: str, open_at: dt.datetime | None = None
    ) -> list[str]:
        """Return the ids of the batch's transfers still awaiting a decision.

        With ``open_at``, only those whose offer is still open then (not expired).
        """
        statement = (
            sa.select(transfers.c.id)
            .where(
                transfers.c.batch_id == batch_id,
                transfers.c.state == TransferState.PENDING_APPROVAL.value,
            )
            .order_by(transfers.c.created_at, transfers.c.id)
        )
        if open_at is not None:
            statement = statement.where(transfers.c.expires_at > open_at)
        with self._engine.connect() as conn:
            return [str(row[0]) for row in conn.execute(statement).all()]

    def decided_with_pending(
        self, before: dt.datetime, limit: int
    ) -> list[tuple[str, str]]:
        """Return ``(batch_id, transfer_id)`` of disks a decision older than ``before`` missed."""
        statement = (
            sa.select(batches.c.id, transfers.c.id)
            .select_from(batches.join(transfers, transfers.c.batch_id == batches.c.id))
            .where(
                batches.c.state == BatchState.DECIDED.value,
                batches.c.updated_at < before,
                transfers.c.state == TransferState.PENDING_APPROVAL.value,
            )
            .order_by(batches.c.updated_at)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [(str(b), str(t)) for b, t in conn.execute(statement).all()]

    def count_failed_approval(self, batch_id: str) -> int:
        """Add one wrong token to the batch's count; return the new count."""
        with self._engine.begin() as conn:
            conn.execute(
                batches.update()
                .where(batches.c.id == batch_id)
                .values(failed_approvals=batches.c.failed_approvals + 1)
            )
            count = conn.execute(
                sa.select(batches.c.failed_approvals).where(batches.c.id == batch_id)
            ).scalar_one()

        return int(count)


def _open_disk() -> sa.Select[Any]:
    return sa.select(transfers.c.id).where(
        transfers.c.state.in_(
            [TransferState.PENDING_APPROVAL.value, TransferState.ACCEPTING.value]
        )
    )


def _row(batch: BatchRecord) -> dict[str, Any]:
    row = batch.model_dump()
    row["state"] = batch.state.value
    row["decision"] = batch.decision.value if batch.decision else None

    return row


def _batch(mapping: Mapping[str, Any]) -> BatchRecord:
    data = dict(mapping)
    for column in ("created_at", "updated_at"):
        data[column] = as_utc(data[column])

    return BatchRecord.model_validate(data)


def _item(mapping: Mapping[str, Any]) -> BatchItem:
    data = dict(mapping)
    if data["published_at"] is not None:
        data["published_at"] = as_utc(data["published_at"])

    return BatchItem.model_validate(data)
