"""Offering a disk: check it, create the EVS transfer, seal its key, store, notify.

A refused request is recorded too (state ``refused``, with every finding), so the audit
trail shows attempts as well as transfers; a dry run checks and records nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

from pydantic import SecretStr

from evs_transfer.batch_store import BatchStore
from evs_transfer.batches import BatchItem, item_position
from evs_transfer.claims import Claim, CreateClaims
from evs_transfer.config import MemberAccount
from evs_transfer.errors import (
    BatchNotFound,
    CloudError,
    CloudRejected,
    InvalidRequest,
    VolumeNotEligible,
)
from evs_transfer.inspection import DiskFacts, inspect_disk
from evs_transfer.logs import get_logger
from evs_transfer.models import (
    Notice,
    NoticeKind,
    TransferRecord,
    TransferRequest,
    TransferState,
    Volume,
)
from evs_transfer.tokens import new_approval_token, token_digest
from evs_transfer.validation import (
    Finding,
    check_disk,
    errors_of,
    evs_refused_finding,
    name_findings,
    open_transfer_finding,
    target_findings,
)
from evs_transfer.workflow.batch_progress import BatchProgress, disk_request
from evs_transfer.workflow.common import Caller, Steps, auth_key_aad

log = get_logger()


@dataclasses.dataclass(frozen=True)
class Checked:
    """The outcome of checking a request: the accounts, the disk and every finding."""

    source: MemberAccount
    target: MemberAccount | None
    volume: Volume | None
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        """The findings that block the transfer."""
        return errors_of(self.findings)


class CreateTransfer:
    """The create-function's action."""

    def __init__(self, steps: Steps) -> None:
        self._steps = steps
        self._claims = CreateClaims(steps.store.engine)

    def check(self, request: TransferRequest) -> Checked:
        """Run every rule against the request; create nothing.

        Raises:
            UnknownAccount: The source account is not a configured member.
        """
        settings = self._steps.settings
        source = settings.member(request.source_account)
        target = self._steps.find_member(request.target_account)
        target_name = target.name if target else None
        findings = target_findings(source.name, target_name, request.target_account)
        findings += name_findings(request.name)
        pending = self._steps.store.open_transfer_for_volume(request.volume_id)
        if pending is not None:
            findings.append(
                open_transfer_finding(
                    request.volume_id, pending.id, pending.state.value
                )
            )
        quota_target = target if target is not None and target != source else None
        facts = inspect_disk(self._steps.cloud, source, quota_target, request.volume_id)
        findings += check_disk(facts)

        return Checked(source, target, _volume(facts), findings)

    def create(self, request: TransferRequest, caller: Caller) -> TransferRecord:
        """Offer a disk to the target account, once per idempotency key.

        The key is the request's ``client_token``, else the caller's (the SMN message
        id), else a fresh one. A repeat of a fulfilled request answers with its record; a
        repeat after a create that died first deletes the EVS transfer it may have left.

        Raises:
            UnknownAccount: The source account is not a configured member.
            VolumeNotEligible: The disk breaks transfer rules (every reason is listed), or
                EVS refused the transfer; the refusal is recorded.
            IdempotencyKeyReused: The key was used for a different request.
            RequestInProgress: Another invocation is handling the same key.
            CloudError: A cloud call failed; nothing is left half done.
        """
        ttl = self.ttl(request.ttl_seconds)
        item = self._batch_item(request)
        if item is not None and item.transfer_id is not None:
            # A disk of a batch is settled once; a message delivered again finds it so.
            return self._replayed(item.transfer_id)
        position = item.position if item is not None else None
        claim = self._claim(request, caller)
        if claim.state == "done":
            return self._replayed(claim.transfer_id)
        if claim.taken_over:
            self._clear_orphans(claim)
        checked = self.check(request)
        if claim.taken_over and _pending_in_evs(checked):
            # The create that died may have landed since: clear it and look again.
            self._clear_orphans(claim)
            checked = self.check(request)
        if checked.errors or checked.target is None:
            self._close(claim)
            raise self.refuse(request, checked, caller, position)

        token = new_approval_token()
        try:
            record, offers = self._open(
                claim, request, checked, token, caller, ttl, position
            )
        except CloudRejected as exc:
            if exc.service != "evs":
                raise
            # The disk changed between the checks and the create: say what EVS said.
            checked.findings.append(evs_refused_finding(exc.error_code, exc.message))
            raise self.refuse(request, checked, caller, position) from exc
        log.info("transfer.created", transfer_id=record.id, volume_id=record.volume_id)
        self._steps.deliver(record, offers, token)
        if record.batch_id is not None:
            BatchProgress(self._steps).settle(record.batch_id)

        return record

    def _replayed(self, transfer_id: str) -> TransferRecord:
        log.info("transfer.replayed", transfer_id=transfer_id)
        record = self._steps.store.get(transfer_id)
        if record.batch_id is not None:
            # The first delivery may have died before its batch could be offered.
            BatchProgress(self._steps).settle(record.batch_id)

        return record

    def _batch_item(self, request: TransferRequest) -> BatchItem | None:
        """Return the batch item a per-disk request stands for, after checking it.

        Raises:
            InvalidRequest: The request names a batch it is not a disk of.
        """
        if request.batch_id is None:
            return None
        batches = BatchStore(self._steps.store.engine)
        position = item_position(request.batch_id, request.client_token)
        try:
            batch = batches.get(request.batch_id)
        except BatchNotFound:
            batch = None
        item = (
            batches.item(request.batch_id, position)
            if batch is not None and position is not None
            else None
        )
        if batch is None or item is None or disk_request(batch, item) != request:
            # Batch disks share the batch's approval token: none may join from outside.
            raise InvalidRequest(
                f"the request is not a disk of batch {request.batch_id}",
                details=[{"field": "batch_id"}],
            )

        return item

    def _claim(self, request: TransferRequest, caller: Caller) -> Claim:
        key = request.client_token or caller.idempotency_key or uuid.uuid4().hex
        transfer_id = uuid.uuid4().hex
        wanted = Claim(
            key=key,
            digest=request.digest(),
            transfer_id=transfer_id,
            volume_id=request.volume_id,
            source_account=request.source_account,
            evs_name=request.name or f"evs-transfer-{transfer_id}",
            state="claimed",
            lease_until=self._steps.lease_until(),
        )

        return self._claims.claim(wanted, self._steps.clock())

    def _clear_orphans(self, claim: Claim) -> None:
        """Delete EVS transfers an earlier attempt of ``claim`` created and lost.

        Raises:
            CloudError: They could not be listed or deleted; the claim stays due.
        """
        source = self._steps.settings.member(claim.source_account)
        evs = self._steps.cloud.evs(source)
        for orphan in evs.find_transfers(claim.volume_id, claim.evs_name):
            # Another transfer of the disk may bear the same name: a record holds it.
            if self._steps.store.knows_evs_transfer(orphan):
                continue
            evs.delete_transfer(orphan)
            log.warning(
                "transfer.orphan_deleted",
                transfer_id=claim.transfer_id,
                evs_transfer_id=orphan,
            )

    def clear_claim(self, claim: Claim, caller: Caller) -> None:
        """Take over a create that died, delete what EVS transfer it left, close it.

        Raises:
            RequestInProgress: A retry of the same request took it over first.
            CloudError: The EVS transfers could not be listed or deleted.
        """
        taken = self._claims.claim(
            dataclasses.replace(claim, lease_until=self._steps.lease_until()),
            self._steps.clock(),
        )
        if taken.state == "done":
            return
        self._clear_orphans(taken)
        self._close(taken)
        log.info("claim.cleared", transfer_id=claim.transfer_id, actor=caller.actor)

    def _give_up(self, claim: Claim) -> None:
        # After a failure whose EVS effect is unknown: clear what it may have left, and
        # leave the claim due, so that a retry or the sweep looks again until it settles.
        try:
            self._clear_orphans(claim)
        except CloudError:
            log.warning("claim.left_due", transfer_id=claim.transfer_id)
        self._claims.release(claim.key, self._steps.clock())

    def _close(self, claim: Claim) -> None:
        # A claim whose create never reached EVS, or has long settled, is done with; one
        # whose create may still land stays due for the sweep.
        if claim.taken_over and not claim.settled(self._steps.clock()):
            self._claims.release(claim.key, self._steps.clock())
            return
        self._claims.abandon(claim)

    def ttl(self, ttl_seconds: int | None) -> dt.timedelta:
        """Return how long the offer stays open, within the deployment's bounds.

        Raises:
            InvalidRequest: ``ttl_seconds`` lies outside the bounds.
        """
        settings = self._steps.settings
        if ttl_seconds is None:
            return dt.timedelta(hours=settings.transfer_ttl_hours)
        longest = settings.max_ttl_hours * 3600
        if not settings.min_ttl_seconds <= ttl_seconds <= longest:
            raise InvalidRequest(
                "ttl_seconds is outside what this deployment allows",
                details=[
                    {
                        "field": "ttl_seconds",
                        "min": settings.min_ttl_seconds,
                        "max": longest,
                    }
                ],
            )

        return dt.timedelta(seconds=ttl_seconds)

    def _open(
        self,
        claim: Claim,
        request: TransferRequest,
        checked: Checked,
        token: SecretStr,
        caller: Caller,
        ttl: dt.timedelta,
        position: int | None,
    ) -> tuple[TransferRecord, list[Notice]]:
        try:
            created = self._steps.cloud.evs(checked.source).create_transfer(
                request.volume_id, claim.evs_name
            )
        except CloudRejected:
            self._claims.abandon(claim)
            raise
        except BaseException:
            # No answer: EVS may have created the transfer all the same.
            self._give_up(claim)
            raise
        record = _record(
            self._steps,
            claim.transfer_id,
            request,
            checked,
            TransferState.PENDING_APPROVAL,
            ttl,
        ).model_copy(update={"evs_transfer_id": created.id, "evs_transfer_open": True})
        try:
            return self._store(
                record, claim, created.auth_key, token, caller, checked, position
            )
        except BaseException:
            # The auth_key is lost with this invocation: delete the EVS transfer so that the
            # disk does not stay awaiting a transfer nobody can accept.
            self._give_up(claim)
            raise

    def _store(
        self,
        record: TransferRecord,
        claim: Claim,
        auth_key: SecretStr,
        token: SecretStr,
        caller: Caller,
        checked: Checked,
        position: int | None,
    ) -> tuple[TransferRecord, list[Notice]]:
        sealed = self._steps.cloud.kms().encrypt(
            auth_key, aad=auth_key_aad(record.id, record.volume_id)
        )
        record = record.model_copy(
            update={
                "auth_key_ciphertext": sealed,
                "kms_key_id": self._steps.settings.kms_key_id,
                # A batch's disks get the batch's token when the batch is offered.
                "approval_token_hash": None
                if position is not None
                else token_digest(token),
                "findings": [finding.to_dict() for finding in checked.findings],
            }
        )
        event = self._steps.event(
            record, caller, "created", TransferState.PENDING_APPROVAL, first=True
        )
        offers = (
            []
            if record.batch_id is not None
            else self._steps.notice(record, NoticeKind.OFFERED, record.target_account)
        )
        self._steps.insert(
            record, event, offers, claim_key=claim.key, batch_position=position
        )

        return record, offers

    def refuse(
        self,
        request: TransferRequest,
        checked: Checked,
        caller: Caller,
        position: int | None = None,
    ) -> VolumeNotEligible:
        """Record a refused request with every finding, tell whom it concerns.

        A disk of a batch settles its item; the batch's summary tells the requester.

        Returns:
            The error to raise to the caller, naming the record of the refusal.
        """
        record = _record(
            self._steps, uuid.uuid4().hex, request, checked, TransferState.REFUSED
        ).model_copy(
            update={
                "failure_code": VolumeNotEligible.code,
                "failure_reason": ", ".join(finding.code for finding in checked.errors),
                "findings": [finding.to_dict() for finding in checked.findings],
            }
        )
        reason = record.failure_reason or ""
        event = self._steps.event(
            record, caller, "refused", TransferState.REFUSED, reason, first=True
        )
        # Nobody waits for an SMN-triggered request: tell the requesting account.
        told = (
            self._steps.notice(record, NoticeKind.REFUSED, checked.source.name)
            if caller.channel == "smn" and record.batch_id is None
            else []
        )
        self._steps.insert(record, event, told, batch_position=position)
        log.info("transfer.refused", transfer_id=record.id, codes=reason)
        self._steps.deliver(record, told)
        if record.batch_id is not None:
            BatchProgress(self._steps).settle(record.batch_id)

        return VolumeNotEligible(
            f"disk {request.volume_id} cannot be transferred",
            details=record.findings,
            transfer_id=record.id,
        )


def _pending_in_evs(checked: Checked) -> bool:
    return any(f.code == "volume_transfer_pending" for f in checked.errors)


def _volume(facts: DiskFacts) -> Volume | None:
    return facts.volume if isinstance(facts.volume, Volume) else None


def _record(
    steps: Steps,
    transfer_id: str,
    request: TransferRequest,
    checked: Checked,
    state: TransferState,
    ttl: dt.timedelta = dt.timedelta(0),
) -> TransferRecord:
    region = steps.settings.region
    now = steps.clock()
    volume = checked.volume
    target = checked.target

    return TransferRecord(
        id=transfer_id,
        state=state,
        region=region,
        volume_id=request.volume_id,
        volume_name=volume.name if volume else "",
        volume_size_gb=volume.size_gb if volume else None,
        volume_type=volume.volume_type if volume else None,
        source_account=checked.source.name,
        source_project_id=checked.source.project_id(region),
        target_account=target.name if target else request.target_account,
        target_project_id=target.project_id(region) if target else "",
        requester=request.requester,
        reason=request.reason,
        batch_id=request.batch_id,
        created_at=now,
        updated_at=now,
        expires_at=now + ttl if state is TransferState.PENDING_APPROVAL else now,
    )
