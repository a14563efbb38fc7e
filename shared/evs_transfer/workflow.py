"""The transfer workflow: offer a disk, then accept or reject the offer.

``create`` checks the disk, creates the EVS transfer in the source account, seals its
``auth_key`` with KMS to this record, stores the record and offers the disk to the target
account. ``decide`` checks an approval against the record, then either accepts the transfer in
the target account (decrypting the ``auth_key`` only there) or deletes it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable

from pydantic import SecretStr

from evs_transfer import notifications
from evs_transfer.cloud.accounts import Cloud
from evs_transfer.cloud.evs import Evs
from evs_transfer.config import MemberAccount, Settings
from evs_transfer.errors import (
    ApprovalDenied,
    CloudError,
    CloudUnavailable,
    InvalidState,
    TransferExpired,
    VolumeNotEligible,
)
from evs_transfer.logs import get_logger
from evs_transfer.models import (
    Approval,
    AuditEvent,
    Decision,
    TransferRecord,
    TransferRequest,
    TransferState,
    Volume,
)
from evs_transfer.store import TransferStore, utcnow
from evs_transfer.tokens import new_approval_token, token_digest, token_matches
from evs_transfer.validation import (
    Finding,
    check_volume,
    open_transfer_finding,
    same_account_finding,
)

log = get_logger()


@dataclasses.dataclass(frozen=True)
class Caller:
    """Who triggered an action, as far as the trigger reveals it."""

    actor: str
    request_id: str


def auth_key_aad(transfer_id: str, volume_id: str) -> str:
    """Return the KMS additional data that binds a sealed ``auth_key`` to one record."""
    return f"evs-transfer/{transfer_id}/{volume_id}"


class TransferService:
    """Runs the transfer workflow for one invocation."""

    def __init__(
        self,
        settings: Settings,
        store: TransferStore,
        cloud: Cloud,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._settings = settings
        self._store = store
        self._cloud = cloud
        self._clock = clock

    def get(self, transfer_id: str) -> TransferRecord:
        """Return a transfer record; raises ``TransferNotFound`` when there is none."""
        return self._store.get(transfer_id)

    def create(self, request: TransferRequest, caller: Caller) -> TransferRecord:
        """Offer a disk to the target account.

        Raises:
            UnknownAccount: The source or target is not a configured member.
            VolumeNotEligible: The disk breaks transfer rules; every reason is listed.
            CloudError: A cloud call failed; nothing is left half done.
        """
        source = self._settings.member(request.source_account)
        target = self._settings.member(request.target_account)

        volume = self._check(request, source, target)

        token = new_approval_token()
        record = self._open_transfer(request, volume, (source, target), token, caller)
        log.info("transfer.created", transfer_id=record.id, volume_id=record.volume_id)
        self._offer(record, token)

        return record

    def decide(self, approval: Approval, caller: Caller) -> TransferRecord:
        """Apply the target account's decision to a pending transfer.

        Raises:
            TransferNotFound: No such transfer.
            ApprovalDenied: The token does not belong to this transfer.
            TransferExpired: The offer expired before the decision arrived.
            InvalidState: The transfer is no longer pending (names its state).
        """
        record = self._store.get(approval.transfer_id)
        if not token_matches(approval.token, record.approval_token_hash):
            self._refuse(record, caller, "invalid_approval_token")
            raise ApprovalDenied(
                f"the approval token is not valid for transfer {record.id}"
            )
        if _repeats_outcome(record.state, approval.decision):
            # At-least-once delivery: the same decision again changes nothing.
            log.info(
                "approval.duplicate", transfer_id=record.id, state=record.state.value
            )
            return record
        if record.state is not TransferState.PENDING_APPROVAL:
            raise InvalidState(
                f"transfer {record.id} is {record.state.value}, not pending approval",
                current_state=record.state.value,
            )
        if self._clock() >= record.expires_at:
            self._refuse(record, caller, "expired")
            raise TransferExpired(
                f"transfer {record.id} expired at {record.expires_at.isoformat()}",
                current_state=record.state.value,
            )

        if approval.decision is Decision.REJECT:
            return self._reject(record, approval.reason, caller)

        return self._accept(record, caller)

    def _check(
        self, request: TransferRequest, source: MemberAccount, target: MemberAccount
    ) -> Volume | None:
        findings: list[Finding] = []
        if source == target:
            findings.append(same_account_finding(source.name))
        pending = self._store.open_transfer_for_volume(request.volume_id)
        if pending is not None:
            findings.append(
                open_transfer_finding(
                    request.volume_id, pending.id, pending.state.value
                )
            )
        evs = self._cloud.evs(source)
        volume = evs.show_volume(request.volume_id)
        snapshot_ids = evs.list_snapshot_ids(request.volume_id) if volume else []
        findings.extend(check_volume(request.volume_id, volume, snapshot_ids))
        if findings:
            log.info(
                "transfer.refused",
                volume_id=request.volume_id,
                codes=[finding.code for finding in findings],
            )
            raise VolumeNotEligible(
                f"disk {request.volume_id} cannot be transferred",
                details=[finding.to_dict() for finding in findings],
            )

        return volume

    def _open_transfer(
        self,
        request: TransferRequest,
        volume: Volume | None,
        accounts: tuple[MemberAccount, MemberAccount],
        token: SecretStr,
        caller: Caller,
    ) -> TransferRecord:
        source, target = accounts
        transfer_id = uuid.uuid4().hex
        evs = self._cloud.evs(source)
        created = evs.create_transfer(
            request.volume_id, name=f"evs-transfer-{transfer_id}"
        )
        try:
            sealed = self._cloud.kms().encrypt(
                created.auth_key, aad=auth_key_aad(transfer_id, request.volume_id)
            )
            now = self._clock()
            record = TransferRecord(
                id=transfer_id,
                state=TransferState.PENDING_APPROVAL,
                region=self._settings.region,
                volume_id=request.volume_id,
                volume_name=volume.name if volume else "",
                volume_size_gb=volume.size_gb if volume else None,
                volume_type=volume.volume_type if volume else None,
                source_account=source.name,
                source_project_id=source.project_id(self._settings.region),
                target_account=target.name,
                target_project_id=target.project_id(self._settings.region),
                requester=request.requester,
                reason=request.reason,
                evs_transfer_id=created.id,
                auth_key_ciphertext=sealed,
                kms_key_id=self._settings.kms_key_id,
                approval_token_hash=token_digest(token),
                created_at=now,
                updated_at=now,
                expires_at=now + dt.timedelta(hours=self._settings.transfer_ttl_hours),
            )
            self._store.insert(record, self._event(record, caller, "created", None))
        except BaseException:
            # The auth_key is lost with this invocation: delete the EVS transfer so that the
            # disk does not stay awaiting a transfer nobody can accept.
            self._rollback(created.id, evs_delete=evs.delete_transfer)
            raise

        return record

    def _offer(self, record: TransferRecord, token: SecretStr) -> None:
        target = self._settings.member(record.target_account)
        subject, messages = notifications.offer(record, token, self._settings)
        self._notify(record, target, subject, messages)

    def _accept(self, record: TransferRecord, caller: Caller) -> TransferRecord:
        record = self._store.transition(
            record.id,
            expected=[TransferState.PENDING_APPROVAL],
            new_state=TransferState.ACCEPTING,
            event=self._event(record, caller, "approved", TransferState.ACCEPTING),
        )
        target = self._settings.member(record.target_account)
        try:
            evs, auth_key = self._prepare_accept(record, target)
        except CloudError as exc:
            # Nothing has changed in the cloud yet: once the cause (agency, key state,
            # reachability) is fixed, the same approval can be sent again.
            self._hand_back(record, caller, exc)
            raise

        try:
            evs.accept_transfer(str(record.evs_transfer_id), auth_key)
        except CloudError as exc:
            if not self._owned_by_target(record, target):
                self._accept_failed(record, caller, exc)
                raise
            log.info("transfer.accept_reconciled", transfer_id=record.id)

        record = self._store.transition(
            record.id,
            expected=[TransferState.ACCEPTING],
            new_state=TransferState.ACCEPTED,
            event=self._event(record, caller, "accepted", TransferState.ACCEPTED),
            changes={"auth_key_ciphertext": None},
        )
        log.info("transfer.accepted", transfer_id=record.id, volume_id=record.volume_id)
        subject, messages = notifications.accepted(record)
        for member in {record.source_account, record.target_account}:
            self._notify(record, self._settings.member(member), subject, messages)

        return record

    def _prepare_accept(
        self, record: TransferRecord, target: MemberAccount
    ) -> tuple[Evs, SecretStr]:
        if not record.auth_key_ciphertext or not record.evs_transfer_id:
            raise InvalidState(
                f"transfer {record.id} has no sealed auth_key",
                current_state=record.state.value,
            )
        evs = self._cloud.evs(target)
        auth_key = self._cloud.kms().decrypt(
            record.auth_key_ciphertext, aad=auth_key_aad(record.id, record.volume_id)
        )

        return evs, auth_key

    def _owned_by_target(self, record: TransferRecord, target: MemberAccount) -> bool:
        # EVS accept is not idempotent: after a lost answer the transfer is gone, so the
        # truth is whether the target project now owns the disk.
        try:
            volume = self._cloud.evs(target).show_volume(record.volume_id)
        except CloudError:
            return False

        return volume is not None and volume.project_id == record.target_project_id

    def _hand_back(
        self, record: TransferRecord, caller: Caller, exc: CloudError
    ) -> None:
        self._store.transition(
            record.id,
            expected=[TransferState.ACCEPTING],
            new_state=TransferState.PENDING_APPROVAL,
            event=self._event(
                record,
                caller,
                "accept_interrupted",
                TransferState.PENDING_APPROVAL,
                exc.message,
            ),
        )
        log.warning("transfer.accept_interrupted", transfer_id=record.id, code=exc.code)

    def _accept_failed(
        self, record: TransferRecord, caller: Caller, exc: CloudError
    ) -> None:
        if isinstance(exc, CloudUnavailable):
            self._hand_back(record, caller, exc)
            return
        # EVS refused the accept itself (quota, a rule it checks at accept time): give the
        # disk back to its owner rather than leave it awaiting a transfer that cannot end.
        self._rollback(
            record.evs_transfer_id, evs_delete=self._source_evs_delete(record)
        )
        self._store.transition(
            record.id,
            expected=[TransferState.ACCEPTING],
            new_state=TransferState.FAILED,
            event=self._event(
                record, caller, "failed", TransferState.FAILED, exc.message
            ),
            changes={
                "auth_key_ciphertext": None,
                "failure_code": exc.error_code or exc.code,
                "failure_reason": exc.message,
            },
        )
        log.warning("transfer.failed", transfer_id=record.id, error_code=exc.error_code)

    def _reject(
        self, record: TransferRecord, reason: str, caller: Caller
    ) -> TransferRecord:
        record = self._store.transition(
            record.id,
            expected=[TransferState.PENDING_APPROVAL],
            new_state=TransferState.REJECTED,
            event=self._event(
                record, caller, "rejected", TransferState.REJECTED, reason
            ),
            changes={"auth_key_ciphertext": None},
        )
        self._rollback(
            record.evs_transfer_id, evs_delete=self._source_evs_delete(record)
        )
        log.info("transfer.rejected", transfer_id=record.id)
        subject, messages = notifications.rejected(record, reason)
        self._notify(
            record, self._settings.member(record.source_account), subject, messages
        )

        return record

    def _source_evs_delete(self, record: TransferRecord) -> Callable[[str], bool]:
        return self._cloud.evs(
            self._settings.member(record.source_account)
        ).delete_transfer

    def _rollback(
        self, evs_transfer_id: str | None, *, evs_delete: Callable[[str], bool]
    ) -> None:
        if not evs_transfer_id:
            return
        try:
            evs_delete(evs_transfer_id)
        except CloudError as exc:
            # TODO(#4): the sweep deletes EVS transfers left behind until then.
            log.error(
                "transfer.rollback_failed",
                evs_transfer_id=evs_transfer_id,
                error_code=exc.error_code,
            )

    def _notify(
        self,
        record: TransferRecord,
        member: MemberAccount,
        subject: str,
        messages: dict[str, str],
    ) -> None:
        if not member.notification_topic_urn:
            log.warning(
                "notification.skipped", transfer_id=record.id, account=member.name
            )
            return
        try:
            message_id = self._cloud.smn().publish(
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

    def _refuse(self, record: TransferRecord, caller: Caller, reason: str) -> None:
        log.warning("approval.refused", transfer_id=record.id, reason=reason)
        self._store.record_event(
            self._event(record, caller, "approval_refused", None, reason)
        )

    def _event(
        self,
        record: TransferRecord,
        caller: Caller,
        action: str,
        to_state: TransferState | None,
        reason: str = "",
    ) -> AuditEvent:
        return AuditEvent(
            transfer_id=record.id,
            at=self._clock(),
            action=action,
            actor=caller.actor,
            from_state=record.state if action != "created" else None,
            to_state=to_state
            if action != "created"
            else TransferState.PENDING_APPROVAL,
            reason=reason,
            request_id=caller.request_id,
        )


def _repeats_outcome(state: TransferState, decision: Decision) -> bool:
    return (state, decision) in (
        (TransferState.ACCEPTED, Decision.APPROVE),
        (TransferState.REJECTED, Decision.REJECT),
    )
