"""What every step of the workflow shares: who acts, the audit trail, notifications."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import Literal

from evs_transfer.cloud.accounts import Cloud
from evs_transfer.config import MemberAccount, Settings
from evs_transfer.errors import CloudError
from evs_transfer.logs import get_logger
from evs_transfer.models import AuditEvent, TransferRecord, TransferState
from evs_transfer.store import TransferStore

log = get_logger()

Channel = Literal["http", "smn"]
DeleteOutcome = Literal["deleted", "gone", "failed"]


@dataclasses.dataclass(frozen=True)
class Caller:
    """Who triggered an action, as far as the trigger reveals it, and through what."""

    actor: str
    request_id: str
    channel: Channel = "http"


def auth_key_aad(transfer_id: str, volume_id: str) -> str:
    """Return the KMS additional data that binds a sealed ``auth_key`` to one record."""
    return f"evs-transfer/{transfer_id}/{volume_id}"


@dataclasses.dataclass(frozen=True)
class Steps:
    """The deployment's settings, store and cloud, with the steps all actions share."""

    settings: Settings
    store: TransferStore
    cloud: Cloud
    clock: Callable[[], dt.datetime]

    def event(
        self,
        record: TransferRecord,
        caller: Caller,
        action: str,
        to_state: TransferState | None,
        reason: str = "",
        *,
        first: bool = False,
    ) -> AuditEvent:
        """Return the audit event of ``action`` on ``record`` by ``caller``.

        ``first`` marks the event that creates the record: it has no previous state.
        """
        return AuditEvent(
            transfer_id=record.id,
            at=self.clock(),
            action=action,
            actor=caller.actor,
            from_state=None if first else record.state,
            to_state=to_state,
            reason=reason,
            request_id=caller.request_id,
        )

    def insert(self, record: TransferRecord, event: AuditEvent) -> None:
        """Store a new record with its first audit event."""
        self.store.insert(record, event)
        _audit(event)

    def transition(
        self,
        record: TransferRecord,
        caller: Caller,
        action: str,
        expected: TransferState,
        new_state: TransferState,
        *,
        reason: str = "",
        changes: Mapping[str, object] | None = None,
    ) -> TransferRecord:
        """Move ``record`` from ``expected`` to ``new_state``, or raise ``InvalidState``."""
        event = self.event(record, caller, action, new_state, reason)
        updated = self.store.transition(
            record.id,
            expected=[expected],
            new_state=new_state,
            event=event,
            changes=changes,
        )
        _audit(event)

        return updated

    def record_event(self, event: AuditEvent) -> None:
        """Append an audit event that changes no state, such as a refused attempt."""
        self.store.record_event(event)
        _audit(event)

    def notify(
        self,
        record: TransferRecord,
        member: MemberAccount,
        subject: str,
        messages: dict[str, str],
    ) -> None:
        """Publish to ``member``'s topic; a failure is logged, never raised."""
        if not member.notification_topic_urn:
            log.warning(
                "notification.skipped", transfer_id=record.id, account=member.name
            )
            return
        try:
            message_id = self.cloud.smn().publish(
                member.notification_topic_urn, subject=subject, messages=messages
            )
        except CloudError as exc:
            # TODO(#4): the sweep re-sends failed notifications until then; the record stays.
            log.error(
                "notification.failed",
                transfer_id=record.id,
                account=member.name,
                error_code=exc.error_code,
            )
            return
        log.info(
            "notification.sent",
            transfer_id=record.id,
            account=member.name,
            message_id=message_id,
        )

    def delete_evs_transfer(
        self, record: TransferRecord, evs_transfer_id: str | None
    ) -> DeleteOutcome:
        """Delete a pending EVS transfer in the source account; a failure is logged.

        Returns:
            ``deleted``; ``gone`` when EVS no longer knows the transfer (accepted or deleted
            already); ``failed`` when the delete could not be done.
        """
        if not evs_transfer_id:
            return "gone"
        source = self.settings.member(record.source_account)
        try:
            deleted = self.cloud.evs(source).delete_transfer(evs_transfer_id)
        except CloudError as exc:
            # TODO(#4): the sweep deletes EVS transfers left behind until then.
            log.error(
                "transfer.rollback_failed",
                transfer_id=record.id,
                evs_transfer_id=evs_transfer_id,
                error_code=exc.error_code,
            )
            return "failed"

        return "deleted" if deleted else "gone"


def _audit(event: AuditEvent) -> None:
    # The audit trail also goes to the logs (LTS), one line per entry.
    log.info(
        "audit",
        transfer_id=event.transfer_id,
        action=event.action,
        actor=event.actor,
        from_state=event.from_state.value if event.from_state else None,
        to_state=event.to_state.value if event.to_state else None,
        reason=event.reason,
    )
