"""The transfer workflow: offer a disk, then accept or reject the offer.

``create`` checks the disk, creates the EVS transfer in the source account, seals its
``auth_key`` with KMS to this record, stores the record and offers the disk to the target
account. ``decide`` checks an approval against the record, then either accepts the transfer
in the target account (decrypting the ``auth_key`` only there) or deletes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from evs_transfer.cloud.accounts import Cloud
from evs_transfer.config import Settings
from evs_transfer.models import Approval, TransferRecord, TransferRequest
from evs_transfer.store import TransferStore, utcnow
from evs_transfer.workflow.common import Caller, Steps, auth_key_aad
from evs_transfer.workflow.create import Checked, CreateTransfer
from evs_transfer.workflow.decide import DecideTransfer

__all__ = ["Caller", "Checked", "TransferService", "auth_key_aad"]


class TransferService:
    """Runs the transfer workflow for one invocation."""

    def __init__(
        self,
        settings: Settings,
        store: TransferStore,
        cloud: Cloud,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        steps = Steps(settings=settings, store=store, cloud=cloud, clock=clock)
        self._create = CreateTransfer(steps)
        self._decide = DecideTransfer(steps)
        self._store = store

    def get(self, transfer_id: str) -> TransferRecord:
        """Return a transfer record; raises ``TransferNotFound`` when there is none."""
        return self._store.get(transfer_id)

    def check(self, request: TransferRequest) -> Checked:
        """Run every rule against a request and create nothing (a dry run)."""
        return self._create.check(request)

    def create(self, request: TransferRequest, caller: Caller) -> TransferRecord:
        """Offer a disk to the target account (see :class:`CreateTransfer`)."""
        return self._create.create(request, caller)

    def decide(self, approval: Approval, caller: Caller) -> TransferRecord:
        """Apply the target's decision to a pending transfer (see :class:`DecideTransfer`)."""
        return self._decide.decide(approval, caller)
