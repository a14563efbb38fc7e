"""What every step of the workflow shares: who acts, the audit trail, notifications.

Every state change goes through :meth:`Steps.transition`, a compare-and-set in the store
that writes the audit event and the notices it causes in one transaction. Notices are then
delivered right away; what fails to publish stays due in the outbox for the sweep.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal

from pydantic import SecretStr

from evs_transfer import notifications
from evs_transfer.batch_store import BatchStore
from evs_transfer.cloud.accounts import Cloud
from evs_transfer.config import MemberAccount, Settings
from evs_transfer.errors import CloudError, UnknownAccount
from evs_transfer.logs import get_logger
from evs_transfer.models import (
    AuditEvent,
    Notice,
    NoticeKind,
    TransferRecord,
    TransferState,
)
from evs_transfer.outbox import Outbox
from evs_transfer.store import TransferStore
from evs_transfer.tokens import new_approval_token, token_digest

log = get_logger()

Channel = Literal["http", "smn", "timer"]
TOLD_BY_BATCH = frozenset({NoticeKind.ACCEPTED, NoticeKind.REJECTED})
"""Outcomes of a batch decision that its summary reports instead of each disk."""
RETRIED_FOR_BATCH = frozenset({NoticeKind.APPROVAL_FAILED})
"""What asks the target to decide again: the sweep applies a batch decision again."""
DeleteOutcome = Literal["deleted", "gone", "failed"]


@dataclasses.dataclass(frozen=True)
class Caller:
    """Who triggered an action, as far as the trigger reveals it, and through what."""

    actor: str
    request_id: str
    channel: Channel = "http"
    idempotency_key: str | None = None
    for_batch: str | None = None
    """Set when the caller applies a batch's decision: the batch tells the outcome."""


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
    deadline: dt.datetime | None = None
    """When the invocation will be stopped; leases taken now run out then."""

    def lease_until(self) -> dt.datetime:
        """Return until when work started now belongs to this invocation.

        The invocation's deadline when the platform tells it, else the configured lease.
        """
        if self.deadline is not None:
            return self.deadline

        return self.clock() + dt.timedelta(seconds=self.settings.accept_lease_seconds)

    @property
    def outbox(self) -> Outbox:
        """The notification outbox, in the store's database."""
        return Outbox(self.store.engine)

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

    def notice(
        self, record: TransferRecord, kind: NoticeKind, *accounts: str, reason: str = ""
    ) -> list[Notice]:
        """Return one notice of ``kind`` about ``record`` per distinct account."""
        return [
            Notice(
                id=uuid.uuid4().hex,
                transfer_id=record.id,
                kind=kind,
                account=account,
                reason=reason,
            )
            for account in dict.fromkeys(accounts)
        ]

    def insert(
        self,
        record: TransferRecord,
        event: AuditEvent,
        notices: Iterable[Notice] = (),
        claim_key: str | None = None,
        batch_position: int | None = None,
    ) -> None:
        """Store a new record with its first audit event and the notices it causes."""
        self.store.insert(record, event, notices, claim_key, batch_position)
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
        notices: Sequence[Notice] = (),
    ) -> TransferRecord:
        """Move ``record`` from ``expected`` to ``new_state``, or raise ``InvalidState``.

        The notices are queued with the transition and sent once it has been made.
        """
        updated, queued = self.queue_transition(
            record,
            caller,
            action,
            expected,
            new_state,
            reason=reason,
            changes=changes,
            notices=notices,
        )
        self.deliver(updated, queued)

        return updated

    def queue_transition(
        self,
        record: TransferRecord,
        caller: Caller,
        action: str,
        expected: TransferState,
        new_state: TransferState,
        *,
        reason: str = "",
        changes: Mapping[str, object] | None = None,
        notices: Sequence[Notice] = (),
    ) -> tuple[TransferRecord, list[Notice]]:
        """Like :meth:`transition`, but leave the notices queued for the caller to send.

        For callers that first bring the cloud in line (delete the EVS transfer), so that
        what the parties are told is already true.

        Returns:
            The moved record, and the notices queued with it (a disk of a decided batch
            leaves its outcome to the batch's summary).
        """
        event = self.event(record, caller, action, new_state, reason)
        queued = self._kept(record, caller, notices)
        updated = self.store.transition(
            record.id,
            expected=[expected],
            new_state=new_state,
            event=event,
            changes=changes,
            notices=queued,
        )
        _audit(event)

        return updated, queued

    def _kept(
        self, record: TransferRecord, caller: Caller, notices: Sequence[Notice]
    ) -> list[Notice]:
        # A batch decision's outcomes are told once, by the batch's summary, whoever
        # brings a disk to its end (the decision's own message, or the sweep later).
        dropped: frozenset[NoticeKind] = frozenset()
        if caller.for_batch is not None:
            dropped = TOLD_BY_BATCH | RETRIED_FOR_BATCH
        elif record.batch_id is not None and notices:
            batch = BatchStore(self.store.engine).get(record.batch_id)
            if batch.decision is not None:
                dropped = TOLD_BY_BATCH

        return [notice for notice in notices if notice.kind not in dropped]

    def record_event(self, event: AuditEvent) -> None:
        """Append an audit event that changes no state, such as a refused attempt."""
        self.store.record_event(event)
        _audit(event)

    def deliver(
        self,
        record: TransferRecord,
        notices: Iterable[Notice],
        token: SecretStr | None = None,
    ) -> None:
        """Publish queued notices that nobody else is sending; failures stay queued."""
        retry = self.retry_delay()
        for notice in notices:
            if self.outbox.claim(notice.id, self.clock(), retry):
                self._publish(record, notice, token, retry)

    def _publish(
        self,
        record: TransferRecord,
        notice: Notice,
        token: SecretStr | None,
        retry: dt.timedelta,
    ) -> None:
        def render() -> notifications.Rendered | None:
            offer_token = token
            if notice.kind is NoticeKind.OFFERED and offer_token is None:
                offer_token = self._new_token(record)
                if offer_token is None:
                    return None
            return notifications.render(notice, record, self.settings, offer_token)

        self.publish_notice(notice, render, retry)

    def publish_notice(
        self,
        notice: Notice,
        render: Callable[[], notifications.Rendered | None],
        retry: dt.timedelta,
    ) -> None:
        """Publish a claimed notice to its account's topic and record the outcome.

        ``render`` runs only once the account is known to have a topic; it answers None
        when the notice no longer applies (the offer it makes has closed).
        """
        subject_id = notice.transfer_id
        member = self.find_member(notice.account)
        if member is None or not member.notification_topic_urn:
            log.warning(
                "notification.skipped", transfer_id=subject_id, account=notice.account
            )
            self.outbox.failed(notice.id, "the account has no topic", None)
            return
        rendered = render()
        if rendered is None:
            self.outbox.failed(notice.id, "the offer is no longer open", None)
            return
        subject, messages = rendered
        try:
            message_id = self.cloud.smn().publish(
                member.notification_topic_urn, subject=subject, messages=messages
            )
        except CloudError as exc:
            self.outbox.failed(notice.id, exc.message, self.clock() + retry)
            log.error(
                "notification.failed",
                transfer_id=subject_id,
                account=member.name,
                kind=notice.kind.value,
                error_code=exc.error_code,
            )
            return
        self.outbox.sent(notice.id, self.clock(), message_id)
        log.info(
            "notification.sent",
            transfer_id=subject_id,
            account=member.name,
            kind=notice.kind.value,
            message_id=message_id,
        )

    def _new_token(self, record: TransferRecord) -> SecretStr | None:
        # Only a digest of the first token was kept: an offer sent again carries a new
        # token, and the one that never arrived stops working.
        token = new_approval_token()
        changed = self.store.update(
            record.id,
            TransferState.PENDING_APPROVAL,
            {"approval_token_hash": token_digest(token)},
        )

        return token if changed else None

    def retry_delay(self) -> dt.timedelta:
        """Return how long a failed notification waits before it is sent again."""
        return dt.timedelta(seconds=self.settings.notification_retry_seconds)

    def find_member(self, name: str) -> MemberAccount | None:
        """Return the configured member of that name or domain id, or None."""
        try:
            return self.settings.member(name)
        except UnknownAccount:
            return None

    def delete_evs_transfer(self, record: TransferRecord) -> DeleteOutcome:
        """Delete the record's pending EVS transfer in the source account.

        A failure is logged and leaves ``evs_transfer_open`` set, so the sweep retries.

        Returns:
            ``deleted``; ``gone`` when EVS no longer knows the transfer (accepted or deleted
            already); ``failed`` when the delete could not be done.
        """
        if not record.evs_transfer_id or not record.evs_transfer_open:
            return "gone"
        source = self.settings.member(record.source_account)
        try:
            deleted = self.cloud.evs(source).delete_transfer(record.evs_transfer_id)
        except CloudError as exc:
            log.error(
                "transfer.rollback_failed",
                transfer_id=record.id,
                evs_transfer_id=record.evs_transfer_id,
                error_code=exc.error_code,
            )
            return "failed"
        self.store.update(record.id, record.state, {"evs_transfer_open": False})

        return "deleted" if deleted else "gone"

    def owned_by_target(self, record: TransferRecord) -> bool:
        """Tell whether the target project owns the disk now (an accept went through).

        EVS accept is not idempotent and its transfer disappears once accepted, so after
        a lost answer the owner of the disk is the only truth there is.

        Raises:
            CloudError: The target's view of the disk could not be read.
        """
        target = self.settings.member(record.target_account)
        volume = self.cloud.evs(target).show_volume(record.volume_id)

        return volume is not None and volume.project_id == record.target_project_id

    def maybe_owned_by_target(self, record: TransferRecord) -> bool | None:
        """Like :meth:`owned_by_target`, with None when the cloud cannot tell now."""
        try:
            return self.owned_by_target(record)
        except CloudError as exc:
            log.warning(
                "transfer.owner_unknown",
                transfer_id=record.id,
                error_code=exc.error_code,
            )
            return None


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
