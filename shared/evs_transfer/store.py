"""Durable transfer records and their audit trail, on SQLAlchemy Core.

SQLite is the embedded default; any SQLAlchemy URL works (PostgreSQL in the cloud). Every
state change is a compare-and-set on ``(id, state)`` so that two concurrent actors cannot both
win; the loser learns the current state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from evs_transfer.errors import InvalidState, TransferNotFound
from evs_transfer.migrations.runner import migrate
from evs_transfer.models import (
    AuditEvent,
    Notice,
    TransferQuery,
    TransferRecord,
    TransferState,
)
from evs_transfer.tables import (
    batch_items,
    create_requests,
    notices,
    transfer_events,
    transfers,
)

OPEN_STATES = (TransferState.PENDING_APPROVAL, TransferState.ACCEPTING)


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.timezone.utc)


def create_store_engine(url: str) -> Engine:
    """Create an engine for ``url`` and bring its schema to the latest migration."""
    if url.startswith("sqlite"):
        # Several function invocations share one file locally; wait for the writer instead
        # of failing with "database is locked".
        engine = sa.create_engine(
            url, connect_args={"timeout": 30}, hide_parameters=True
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    else:
        # Statement parameters hold ciphertexts and digests: no error text may show them.
        engine = sa.create_engine(url, pool_pre_ping=True, hide_parameters=True)
    migrate(engine)

    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class TransferStore:
    """Reads and writes transfer records and their audit events."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """The engine the store writes through (shared with the outbox)."""
        return self._engine

    def insert(
        self,
        record: TransferRecord,
        event: AuditEvent,
        notices: Iterable[Notice] = (),
        claim_key: str | None = None,
        batch_position: int | None = None,
    ) -> None:
        """Store a new record with its first audit event and the notices it causes.

        ``claim_key`` names the create request the record fulfils, and ``batch_position``
        the item of ``record.batch_id`` it settles; both are completed in the same
        transaction.
        """
        with self._engine.begin() as conn:
            conn.execute(transfers.insert().values(**_row(record)))
            conn.execute(transfer_events.insert().values(**_event_row(event)))
            queue_notices(conn, notices, event.at)
            if claim_key is not None:
                conn.execute(
                    create_requests.update()
                    .where(create_requests.c.key == claim_key)
                    .values(state="done")
                )
            if record.batch_id is not None and batch_position is not None:
                settled = (
                    "refused" if record.state is TransferState.REFUSED else "offered"
                )
                conn.execute(
                    batch_items.update()
                    .where(
                        batch_items.c.batch_id == record.batch_id,
                        batch_items.c.position == batch_position,
                        batch_items.c.state == "queued",
                    )
                    .values(state=settled, transfer_id=record.id)
                )

    def get(self, transfer_id: str) -> TransferRecord:
        """Return the record with ``transfer_id``.

        Raises:
            TransferNotFound: There is no such record.
        """
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(transfers).where(transfers.c.id == transfer_id)
            ).first()
        if row is None:
            raise TransferNotFound(f"transfer {transfer_id} does not exist")

        return _record(dict(row._mapping))

    def open_transfer_for_volume(self, volume_id: str) -> TransferRecord | None:
        """Return the open (pending or accepting) record for ``volume_id``, if any."""
        query = sa.select(transfers).where(
            transfers.c.volume_id == volume_id,
            transfers.c.state.in_([state.value for state in OPEN_STATES]),
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()

        return None if row is None else _record(dict(row._mapping))

    def open_transfers_for_volumes(
        self, volume_ids: list[str]
    ) -> dict[str, TransferRecord]:
        """Return the open record of each of ``volume_ids`` that has one, by disk."""
        found: dict[str, TransferRecord] = {}
        states = [state.value for state in OPEN_STATES]
        # Bounded IN lists: some databases cap the number of bound parameters.
        for start in range(0, len(volume_ids), 500):
            query = sa.select(transfers).where(
                transfers.c.volume_id.in_(volume_ids[start : start + 500]),
                transfers.c.state.in_(states),
            )
            found.update((r.volume_id, r) for r in self._records(query))

        return found

    def transition(
        self,
        transfer_id: str,
        *,
        expected: Iterable[TransferState],
        new_state: TransferState,
        event: AuditEvent,
        changes: Mapping[str, Any] | None = None,
        notices: Iterable[Notice] = (),
    ) -> TransferRecord:
        """Move a record to ``new_state`` if, and only if, it is in one of ``expected``.

        The audit event and the notices are written in the same transaction, so a
        transition is never without its history or its notifications.

        Raises:
            TransferNotFound: There is no such record.
            InvalidState: Another actor moved the record first; names the current state.
        """
        allowed = [state.value for state in expected]
        values = {
            **_clip(changes or {}),
            "state": new_state.value,
            "version": transfers.c.version + 1,
            "updated_at": event.at,
        }
        with self._engine.begin() as conn:
            result = conn.execute(
                transfers.update()
                .where(transfers.c.id == transfer_id, transfers.c.state.in_(allowed))
                .values(**values)
            )
            if result.rowcount == 1:
                conn.execute(transfer_events.insert().values(**_event_row(event)))
                queue_notices(conn, notices, event.at)
        if result.rowcount != 1:
            current = self.get(transfer_id).state
            raise InvalidState(
                f"transfer {transfer_id} is {current.value}, not {' or '.join(allowed)}",
                current_state=current.value,
            )

        return self.get(transfer_id)

    def update(
        self, transfer_id: str, state: TransferState, changes: Mapping[str, Any]
    ) -> bool:
        """Change fields of a record that is still in ``state``, without a transition.

        Returns:
            Whether the record was in ``state`` and so was changed.
        """
        with self._engine.begin() as conn:
            result = conn.execute(
                transfers.update()
                .where(transfers.c.id == transfer_id, transfers.c.state == state.value)
                .values(**_clip(changes), version=transfers.c.version + 1)
            )

        return bool(result.rowcount == 1)

    def find(self, query: TransferQuery) -> list[TransferRecord]:
        """Return the records matching every filter of ``query``, newest first."""
        statement = sa.select(transfers)
        filters = {
            transfers.c.state: query.state.value if query.state else None,
            transfers.c.volume_id: query.volume_id,
            transfers.c.target_account: query.target,
            transfers.c.source_account: query.source,
        }
        for column, value in filters.items():
            if value is not None:
                statement = statement.where(column == value)
        statement = statement.order_by(transfers.c.created_at.desc()).limit(query.limit)

        return self._records(statement)

    def of_batch(self, batch_id: str) -> list[TransferRecord]:
        """Return the records of a batch's disks, in the order they were made."""
        statement = (
            sa.select(transfers)
            .where(transfers.c.batch_id == batch_id)
            .order_by(transfers.c.created_at, transfers.c.id)
        )

        return self._records(statement)

    def due(
        self, state: TransferState, column: str, before: dt.datetime, limit: int
    ) -> list[TransferRecord]:
        """Return up to ``limit`` records in ``state`` whose ``column`` is before a time.

        The sweep's work lists: offers past ``expires_at``, accepts whose ``updated_at``
        is older than their lease.
        """
        statement = (
            sa.select(transfers)
            .where(transfers.c.state == state.value, transfers.c[column] < before)
            .order_by(transfers.c[column])
            .limit(limit)
        )

        return self._records(statement)

    def unfinished(self, limit: int) -> list[TransferRecord]:
        """Return records whose EVS transfer may still exist, oldest change first.

        Pending records are among them (their EVS transfer is checked for changes made
        outside the broker), and so are ended ones whose EVS transfer was not deleted.
        """
        statement = (
            sa.select(transfers)
            .where(
                transfers.c.evs_transfer_open.is_(True),
                transfers.c.state != TransferState.ACCEPTING.value,
            )
            .order_by(transfers.c.checked_at.is_not(None), transfers.c.checked_at)
            .limit(limit)
        )

        return self._records(statement)

    def _records(self, statement: sa.Select[Any]) -> list[TransferRecord]:
        with self._engine.connect() as conn:
            rows = conn.execute(statement).all()

        return [_record(dict(row._mapping)) for row in rows]

    def count_failed_approval(self, transfer_id: str) -> int:
        """Add one to the transfer's wrong-token counter; return the new count."""
        with self._engine.begin() as conn:
            conn.execute(
                transfers.update()
                .where(transfers.c.id == transfer_id)
                .values(failed_approvals=transfers.c.failed_approvals + 1)
            )
            count = conn.execute(
                sa.select(transfers.c.failed_approvals).where(
                    transfers.c.id == transfer_id
                )
            ).scalar_one()

        return int(count)

    def knows_evs_transfer(self, evs_transfer_id: str) -> bool:
        """Tell whether a record holds this EVS transfer (it is nobody's orphan)."""
        query = sa.select(transfers.c.id).where(
            transfers.c.evs_transfer_id == evs_transfer_id
        )
        with self._engine.connect() as conn:
            return conn.execute(query).first() is not None

    def record_event(self, event: AuditEvent) -> None:
        """Append an audit event that changes no state (for example a refused attempt)."""
        with self._engine.begin() as conn:
            conn.execute(transfer_events.insert().values(**_event_row(event)))

    def events(self, transfer_id: str) -> list[AuditEvent]:
        """Return the audit trail of a transfer, oldest first."""
        query = (
            sa.select(transfer_events)
            .where(transfer_events.c.transfer_id == transfer_id)
            .order_by(transfer_events.c.id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()

        return [_event(dict(row._mapping)) for row in rows]


TEXT_LIMITS = {"reason": 1024, "failure_reason": 1024, "failure_code": 64}


def _clip(values: Mapping[str, Any]) -> dict[str, Any]:
    # Cloud error texts end up in these columns; PostgreSQL refuses over-long values.
    return {
        key: value[: TEXT_LIMITS[key]]
        if key in TEXT_LIMITS and isinstance(value, str)
        else value
        for key, value in values.items()
    }


def queue_notices(
    conn: sa.Connection, queued: Iterable[Notice], now: dt.datetime
) -> None:
    """Queue notices in the outbox within the caller's transaction."""
    rows = [
        {
            **notice.model_dump(mode="json"),
            "state": "pending",
            "attempts": 0,
            "created_at": now,
            "due_at": now,
        }
        for notice in queued
    ]
    if rows:
        conn.execute(notices.insert(), _clip_all(rows))


def _clip_all(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [_clip(row) for row in rows]


def _row(record: TransferRecord) -> dict[str, Any]:
    row = record.model_dump()
    row["state"] = record.state.value

    return _clip(row)


def _record(mapping: Mapping[str, Any]) -> TransferRecord:
    data = dict(mapping)
    for column in (
        "created_at",
        "updated_at",
        "expires_at",
        "checked_at",
        "lease_until",
    ):
        if data[column] is not None:
            data[column] = as_utc(data[column])

    return TransferRecord.model_validate(data)


def _event_row(event: AuditEvent) -> dict[str, Any]:
    row = event.model_dump()
    row["from_state"] = event.from_state.value if event.from_state else None
    row["to_state"] = event.to_state.value if event.to_state else None

    return _clip(row)


def _event(mapping: Mapping[str, Any]) -> AuditEvent:
    data = {key: value for key, value in mapping.items() if key != "id"}
    data["at"] = as_utc(data["at"])

    return AuditEvent.model_validate(data)


def as_utc(value: dt.datetime) -> dt.datetime:
    """Return a stored time as timezone-aware UTC."""
    # SQLite drops the offset of timezone-aware datetimes; every stored time is UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
