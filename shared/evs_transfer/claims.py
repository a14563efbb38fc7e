"""Create requests: the write-ahead claim a create makes before it asks EVS.

EVS create is not idempotent and its answer holds the only copy of the ``auth_key``. So a
create first claims its idempotency key (the caller's ``client_token``, the SMN message id,
or a fresh one) with the transfer id and EVS name it is about to use, for as long as its
invocation may run. Whoever finds a claim whose lease ran out, without a record, knows an
EVS transfer of that name may exist that nobody can accept, and deletes it before going on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from evs_transfer.errors import IdempotencyKeyReused, RequestInProgress
from evs_transfer.tables import create_requests

ClaimState = Literal["claimed", "done", "abandoned"]
# EVS may still apply a create whose answer timed out: a claim is closed only once it is
# older than this, and until then every sweep looks for what that create may have left.
SETTLE = dt.timedelta(minutes=15)


@dataclasses.dataclass(frozen=True)
class Claim:
    """One create request: its key, the transfer id and EVS name it stands for."""

    key: str
    digest: str
    transfer_id: str
    volume_id: str
    source_account: str
    evs_name: str
    state: ClaimState
    lease_until: dt.datetime
    taken_over: bool = False
    """True when an earlier attempt held this claim and died: reconcile before acting."""
    created_at: dt.datetime | None = None

    def settled(self, now: dt.datetime) -> bool:
        """Tell whether no create of this claim can still land in EVS."""
        return self.created_at is not None and now - self.created_at > SETTLE


class CreateClaims:
    """Claims, completes and lists create requests."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, key: str) -> Claim | None:
        """Return the claim of ``key``, if any."""
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(create_requests).where(create_requests.c.key == key)
            ).first()

        return None if row is None else _claim(dict(row._mapping))

    def claim(self, wanted: Claim, now: dt.datetime) -> Claim:
        """Take ``wanted.key`` for this invocation, or learn who has it.

        Returns:
            ``wanted`` when the key was free; the earlier claim, with ``taken_over`` set,
            when its holder died or gave it up; the earlier claim in state ``done`` when
            the request was already fulfilled.

        Raises:
            IdempotencyKeyReused: The key was used for a different request.
            RequestInProgress: Another invocation holds the key right now.
        """
        try:
            with self._engine.begin() as conn:
                conn.execute(create_requests.insert().values(**_row(wanted, now)))
        except sa.exc.IntegrityError:
            pass
        else:
            return dataclasses.replace(wanted, created_at=now)

        earlier = self.get(wanted.key)
        if earlier is None:  # deleted in between: nothing to reconcile
            return self.claim(wanted, now)
        if earlier.digest != wanted.digest:
            raise IdempotencyKeyReused(
                "this client_token was already used for a different request"
            )
        if earlier.state == "done":
            return earlier
        if earlier.state == "claimed" and earlier.lease_until > now:
            raise RequestInProgress(
                "a request with this client_token is being handled; retry shortly"
            )

        return self._take_over(earlier, wanted.lease_until)

    def _take_over(self, earlier: Claim, lease_until: dt.datetime) -> Claim:
        with self._engine.begin() as conn:
            result = conn.execute(
                create_requests.update()
                .where(
                    create_requests.c.key == earlier.key,
                    create_requests.c.state == earlier.state,
                    create_requests.c.lease_until == earlier.lease_until,
                )
                .values(state="claimed", lease_until=lease_until)
            )
        if result.rowcount != 1:
            raise RequestInProgress(
                "a request with this client_token is being handled; retry shortly"
            )

        return dataclasses.replace(
            earlier, state="claimed", lease_until=lease_until, taken_over=True
        )

    def release(self, key: str, now: dt.datetime) -> None:
        """End this invocation's hold on a claim it could not finish: due at once."""
        with self._engine.begin() as conn:
            conn.execute(
                create_requests.update()
                .where(
                    create_requests.c.key == key, create_requests.c.state == "claimed"
                )
                .values(lease_until=now)
            )

    def abandon(self, claim: Claim) -> bool:
        """Close a claim whose EVS transfer is known not to exist (any more)."""
        with self._engine.begin() as conn:
            result = conn.execute(
                create_requests.update()
                .where(
                    create_requests.c.key == claim.key,
                    create_requests.c.state == "claimed",
                    create_requests.c.lease_until == claim.lease_until,
                )
                .values(state="abandoned")
            )

        return bool(result.rowcount == 1)

    def stale(self, now: dt.datetime, limit: int) -> list[Claim]:
        """Return claims whose holder's lease ran out without a record, oldest first."""
        statement = (
            sa.select(create_requests)
            .where(
                create_requests.c.state == "claimed",
                create_requests.c.lease_until < now,
            )
            .order_by(create_requests.c.lease_until)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(statement).all()

        return [_claim(dict(row._mapping)) for row in rows]


def _row(claim: Claim, now: dt.datetime) -> dict[str, Any]:
    row = dataclasses.asdict(claim)
    del row["taken_over"]
    row["created_at"] = claim.created_at or now

    return row


def _claim(row: dict[str, Any]) -> Claim:
    for column in ("lease_until", "created_at"):
        moment = row[column]
        # SQLite drops the offset of timezone-aware datetimes; every stored time is UTC.
        row[column] = (
            moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
        )

    return Claim(**row)
