"""The notification outbox: who is still to be told what, and who is sending it.

A notice is claimed before it is published, by a compare-and-set that moves its ``due_at``
past the claimer's lease. Whoever wins the claim publishes; a claimer that dies leaves the
notice due again once the lease has passed, so the sweep sends it. SMN has no idempotent
publish, so a claimer that dies after publishing and before recording it makes the sweep
send the notice a second time: a duplicate message is the price of never losing one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from evs_transfer.models import Notice, NoticeKind
from evs_transfer.tables import notices


class Outbox:
    """Claims, completes and lists queued notices."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def claim(self, notice_id: str, now: dt.datetime, lease: dt.timedelta) -> bool:
        """Take a due notice for sending until ``now + lease``.

        Returns:
            Whether this caller won the notice (it was pending and due).
        """
        with self._engine.begin() as conn:
            result = conn.execute(
                notices.update()
                .where(
                    notices.c.id == notice_id,
                    notices.c.state == "pending",
                    notices.c.due_at <= now,
                )
                .values(due_at=now + lease, attempts=notices.c.attempts + 1)
            )

        return bool(result.rowcount == 1)

    def sent(self, notice_id: str, now: dt.datetime, message_id: str) -> None:
        """Record that SMN took the notice."""
        self._finish(notice_id, state="sent", sent_at=now, message_id=message_id[:64])

    def failed(self, notice_id: str, error: str, retry_at: dt.datetime | None) -> None:
        """Record a failed publish; the notice is due again at ``retry_at``.

        A ``retry_at`` of None gives the notice up (its topic is gone from the settings).
        """
        if retry_at is None:
            self._finish(notice_id, state="abandoned", last_error=error[:255])
            return
        with self._engine.begin() as conn:
            conn.execute(
                notices.update()
                .where(notices.c.id == notice_id)
                .values(due_at=retry_at, last_error=error[:255])
            )

    def due(self, now: dt.datetime, limit: int) -> list[Notice]:
        """Return up to ``limit`` pending notices that are due, oldest first."""
        statement = (
            sa.select(notices)
            .where(notices.c.state == "pending", notices.c.due_at <= now)
            .order_by(notices.c.due_at)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(statement).all()

        return [_notice(dict(row._mapping)) for row in rows]

    def of_transfer(self, transfer_id: str) -> list[dict[str, Any]]:
        """Return what was, or is to be, told about a transfer: kind, account, state."""
        statement = (
            sa.select(
                notices.c.kind,
                notices.c.account,
                notices.c.state,
                notices.c.attempts,
                notices.c.created_at,
                notices.c.sent_at,
            )
            .where(notices.c.transfer_id == transfer_id)
            .order_by(notices.c.created_at, notices.c.id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(statement).all()

        return [
            {key: _iso(value) for key, value in row._mapping.items()} for row in rows
        ]

    def _finish(self, notice_id: str, **values: Any) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                notices.update().where(notices.c.id == notice_id).values(**values)
            )


def _iso(value: Any) -> Any:
    if not isinstance(value, dt.datetime):
        return value
    # SQLite drops the offset of timezone-aware datetimes; every stored time is UTC.
    aware = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)

    return aware.isoformat()


def _notice(row: dict[str, Any]) -> Notice:
    return Notice(
        id=row["id"],
        transfer_id=row["transfer_id"],
        kind=NoticeKind(row["kind"]),
        account=row["account"],
        reason=row["reason"],
    )
