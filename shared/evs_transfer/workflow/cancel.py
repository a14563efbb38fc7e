"""Taking an offer back: the source account cancels before the target has decided."""

from __future__ import annotations

from evs_transfer.errors import InvalidState, NotPermitted
from evs_transfer.logs import get_logger
from evs_transfer.models import Cancellation, NoticeKind, TransferRecord, TransferState
from evs_transfer.workflow.closing import Closing
from evs_transfer.workflow.common import Caller, Steps

log = get_logger()


class CancelTransfer:
    """The source account's way out of a pending offer."""

    def __init__(self, steps: Steps) -> None:
        self._steps = steps
        self._closing = Closing(steps)

    def cancel(self, cancellation: Cancellation, caller: Caller) -> TransferRecord:
        """Cancel a pending transfer; the disk is ``available`` again in the source.

        A repeated cancellation answers with the cancelled record.

        Raises:
            TransferNotFound: No such transfer.
            UnknownAccount: The named source account is not a member.
            NotPermitted: The named account is not the transfer's source.
            InvalidState: The transfer is no longer pending (names its state).
        """
        record = self._steps.store.get(cancellation.transfer_id)
        source = self._steps.settings.member(cancellation.source_account)
        if source.name != record.source_account:
            event = self._steps.event(
                record, caller, "cancel_refused", None, "not the source account"
            )
            self._steps.record_event(event)
            raise NotPermitted(
                f"only the source account may cancel transfer {record.id}"
            )
        if record.state is TransferState.CANCELLED:
            log.info("cancellation.duplicate", transfer_id=record.id)
            return self._closing.finish(record, caller)
        if record.state is not TransferState.PENDING_APPROVAL:
            raise InvalidState(
                f"transfer {record.id} is {record.state.value}, not pending approval",
                current_state=record.state.value,
            )

        return self._closing.close(
            record,
            caller,
            action="cancelled",
            new_state=TransferState.CANCELLED,
            reason=cancellation.reason,
            notices=lambda r: self._steps.notice(
                r, NoticeKind.CANCELLED, r.target_account, reason=cancellation.reason
            ),
        )
