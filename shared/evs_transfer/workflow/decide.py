"""Answering an offer: accept the transfer in the target account, or give the disk back.

The ``auth_key`` is decrypted only here, right before EVS accept, and only with the record's
own binding (KMS refuses any other). The accept runs in the recorded target account with its
agency: no approval can send a disk anywhere else.
"""

from __future__ import annotations

from pydantic import SecretStr

from evs_transfer.batch_store import BatchStore
from evs_transfer.cloud.evs import Evs
from evs_transfer.config import MemberAccount
from evs_transfer.errors import (
    ApprovalDenied,
    CloudError,
    CloudUnavailable,
    InvalidState,
    TargetQuotaExceeded,
    TransferExpired,
)
from evs_transfer.inspection import read_target_quota
from evs_transfer.logs import get_logger
from evs_transfer.models import (
    Approval,
    Decision,
    NoticeKind,
    TransferRecord,
    TransferState,
)
from evs_transfer.tokens import token_matches
from evs_transfer.validation import quota_findings
from evs_transfer.workflow.closing import Closing
from evs_transfer.workflow.common import Caller, Steps, auth_key_aad

log = get_logger()


class DecideTransfer:
    """The accept-function's action."""

    def __init__(self, steps: Steps) -> None:
        self._steps = steps
        self._closing = Closing(steps)

    def preview(self, transfer_id: str, token: SecretStr) -> TransferRecord:
        """Return the transfer a valid token is for; change and record nothing.

        Raises:
            TransferNotFound: No such transfer.
            ApprovalDenied: The token does not belong to this transfer.
        """
        record = self._steps.store.get(transfer_id)
        if not token_matches(token, record.approval_token_hash):
            # Links are fetched by scanners too: a GET neither counts nor locks.
            log.warning("approval_page.refused", transfer_id=record.id)
            raise ApprovalDenied(
                f"the approval token is not valid for transfer {record.id}"
            )

        return record

    def decide(self, approval: Approval, caller: Caller) -> TransferRecord:
        """Apply the target account's decision to a pending transfer.

        Raises:
            TransferNotFound: No such transfer.
            ApprovalDenied: The token does not belong to this transfer.
            TransferExpired: The offer expired before the decision arrived.
            InvalidState: The transfer is no longer pending (names its state).
            TargetQuotaExceeded: The target project has no room for the disk.
        """
        record = self._steps.store.get(approval.transfer_id)
        if not token_matches(approval.token, record.approval_token_hash):
            self._refuse(record, caller, "invalid_approval_token")
            self.count_wrong_token(record, caller)
            raise ApprovalDenied(
                f"the approval token is not valid for transfer {record.id}"
            )
        if record.batch_id is not None:
            self._follow_batch(record.batch_id, approval.decision)

        return self.apply(record, approval.decision, approval.reason, caller)

    def _follow_batch(self, batch_id: str, decision: Decision) -> None:
        # Once the batch is decided, its decision is the disk's, on the way or applied.
        batch = BatchStore(self._steps.store.engine).get(batch_id)
        if batch.decision is not None and batch.decision is not decision:
            raise InvalidState(
                f"batch {batch_id} of this transfer was decided: {batch.decision.value}",
                current_state=batch.state.value,
            )

    def apply(
        self,
        record: TransferRecord,
        decision: Decision,
        reason: str,
        caller: Caller,
    ) -> TransferRecord:
        """Apply an authorised decision (its token was checked) to ``record``.

        Raises:
            TransferExpired: The offer expired before the decision arrived.
            InvalidState: The transfer is no longer pending (names its state).
            TargetQuotaExceeded: The target project has no room for the disk.
        """
        if _repeats_outcome(record.state, decision):
            # At-least-once delivery: the same decision again changes nothing, except
            # finishing a delete that failed the first time.
            log.info(
                "approval.duplicate", transfer_id=record.id, state=record.state.value
            )
            return self._closing.finish(record, caller)
        if record.state is TransferState.ACCEPTING and decision is Decision.APPROVE:
            return self._resume(record, reason, caller)
        if record.state is not TransferState.PENDING_APPROVAL:
            raise InvalidState(
                f"transfer {record.id} is {record.state.value}, not pending approval",
                current_state=record.state.value,
            )
        # A late "no" still gives the disk back; only a late "yes" is refused.
        if decision is Decision.REJECT:
            return self._reject(record, reason, caller)
        if self._steps.clock() >= record.expires_at:
            self._closing.expire(record, caller)
            raise TransferExpired(
                f"transfer {record.id} expired at {record.expires_at.isoformat()}",
                current_state=TransferState.EXPIRED.value,
            )

        return self._accept(record, caller)

    def _resume(
        self, record: TransferRecord, reason: str, caller: Caller
    ) -> TransferRecord:
        # Another approval is accepting. While its lease runs, its outcome is awaited;
        # once the lease is over, its invocation is gone and the cloud says what it did.
        if record.lease_until is None or record.lease_until > self._steps.clock():
            log.info("approval.in_progress", transfer_id=record.id)
            return record
        try:
            self._closing.settle_accept(record, caller)
        except InvalidState:
            log.info("approval.settled_by_another", transfer_id=record.id)
        settled = self._steps.store.get(record.id)

        return self.apply(settled, Decision.APPROVE, reason, caller)

    def _accept(self, record: TransferRecord, caller: Caller) -> TransferRecord:
        try:
            record = self._steps.transition(
                record,
                caller,
                "approved",
                TransferState.PENDING_APPROVAL,
                TransferState.ACCEPTING,
                changes={"lease_until": self._steps.lease_until()},
            )
        except InvalidState as exc:
            # Duplicate deliveries of one approval race here; one of them accepts.
            if exc.current_state not in ("accepting", "accepted"):
                raise
            return self._steps.store.get(record.id)
        target = self._steps.settings.member(record.target_account)
        try:
            evs, auth_key = self._prepare(record, target)
        except (CloudError, TargetQuotaExceeded) as exc:
            # Nothing has changed in the cloud yet: once the cause (agency, key state,
            # quota, reachability) is fixed, the same approval can be sent again.
            self._hand_back(record, caller, exc.message)
            raise

        try:
            evs.accept_transfer(str(record.evs_transfer_id), auth_key)
        except CloudError as exc:
            owned = self._steps.maybe_owned_by_target(record)
            if owned is None:
                # Nobody can tell now whether EVS accepted: the sweep will ask again.
                self._hand_back(record, caller, exc.message)
                raise
            if not owned:
                self._accept_failed(record, caller, exc)
                raise
            log.info("transfer.accept_reconciled", transfer_id=record.id)

        record = self._steps.transition(
            record,
            caller,
            "accepted",
            TransferState.ACCEPTING,
            TransferState.ACCEPTED,
            changes={"auth_key_ciphertext": None, "evs_transfer_open": False},
            notices=self._closing.accepted_notices(record),
        )
        log.info("transfer.accepted", transfer_id=record.id, volume_id=record.volume_id)

        return record

    def _prepare(
        self, record: TransferRecord, target: MemberAccount
    ) -> tuple[Evs, SecretStr]:
        if not record.auth_key_ciphertext or not record.evs_transfer_id:
            raise InvalidState(
                f"transfer {record.id} has no sealed auth_key",
                current_state=record.state.value,
            )
        quota = read_target_quota(self._steps.cloud, target)
        # An unreadable quota is not a reason to refuse: EVS checks it again at accept.
        shortfalls = [
            finding
            for finding in quota_findings(
                quota, record.volume_size_gb or 0, record.volume_type
            )
            if finding.code == "target_quota_exceeded"
        ]
        if shortfalls:
            raise TargetQuotaExceeded(
                f"project {record.target_project_id} has no EVS quota left for the disk",
                details=[finding.to_dict() for finding in shortfalls],
            )
        evs = self._steps.cloud.evs(target)
        auth_key = self._steps.cloud.kms().decrypt(
            record.auth_key_ciphertext, aad=auth_key_aad(record.id, record.volume_id)
        )

        return evs, auth_key

    def _hand_back(self, record: TransferRecord, caller: Caller, reason: str) -> None:
        # Over HTTP the approver reads the error; an SMN approval has nobody waiting.
        told = (
            self._steps.notice(
                record, NoticeKind.APPROVAL_FAILED, record.target_account, reason=reason
            )
            if caller.channel == "smn"
            else []
        )
        self._steps.transition(
            record,
            caller,
            "accept_interrupted",
            TransferState.ACCEPTING,
            TransferState.PENDING_APPROVAL,
            reason=reason,
            changes={"lease_until": None},
            notices=told,
        )
        log.warning("transfer.accept_interrupted", transfer_id=record.id)

    def _accept_failed(
        self, record: TransferRecord, caller: Caller, exc: CloudError
    ) -> None:
        # 413: EVS checks the target's quota at accept; once raised, B can approve again.
        # 401/403: the agency's credentials or rights; once fixed, B can approve again.
        if isinstance(exc, CloudUnavailable) or exc.http_status in (401, 403, 413):
            self._hand_back(record, caller, exc.message)
            return
        # EVS refused the accept for good (the transfer is gone, a rule it checks at accept
        # time): give the disk back rather than leave it awaiting a transfer that cannot end.
        self._closing.fail(
            record,
            caller,
            expected=TransferState.ACCEPTING,
            code=exc.error_code or exc.code,
            reason=exc.message,
        )

    def _reject(
        self, record: TransferRecord, reason: str, caller: Caller
    ) -> TransferRecord:
        return self._closing.close(
            record,
            caller,
            action="rejected",
            new_state=TransferState.REJECTED,
            reason=reason,
            notices=lambda r: self._steps.notice(
                r, NoticeKind.REJECTED, r.source_account, reason=reason
            ),
        )

    def count_wrong_token(self, record: TransferRecord, caller: Caller) -> None:
        """Count a wrong token against ``record``; past the limit, lock the offer.

        Tokens are far too long to guess, but a stream of wrong ones means someone
        tries: past the limit, the offer is closed and its source told.
        """
        count = self._steps.store.count_failed_approval(record.id)
        if count >= self._steps.settings.max_failed_approvals:
            self.lock(record, caller, count)

    def lock(self, record: TransferRecord, caller: Caller, count: int) -> None:
        """Close a pending offer after ``count`` wrong tokens and tell its source."""
        if record.state is not TransferState.PENDING_APPROVAL:
            return
        try:
            self._closing.close(
                record.model_copy(update={"failed_approvals": count}),
                caller,
                action="locked",
                new_state=TransferState.LOCKED,
                reason=f"{count} approvals with a wrong token",
                notices=lambda r: self._steps.notice(
                    r, NoticeKind.LOCKED, r.source_account
                ),
            )
        except InvalidState:
            log.info("transfer.lock_skipped", transfer_id=record.id)

    def _refuse(self, record: TransferRecord, caller: Caller, reason: str) -> None:
        log.warning("approval.refused", transfer_id=record.id, reason=reason)
        event = self._steps.event(record, caller, "approval_refused", None, reason)
        self._steps.record_event(event)


def _repeats_outcome(state: TransferState, decision: Decision) -> bool:
    return (state, decision) in (
        (TransferState.ACCEPTED, Decision.APPROVE),
        (TransferState.REJECTED, Decision.REJECT),
    )
