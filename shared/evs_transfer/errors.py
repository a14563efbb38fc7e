"""The one exception tree of the transfer domain.

Every error a caller can see carries a stable ``code`` and an HTTP ``status``; the handler
boundary (:mod:`evs_transfer.boundary`) is the only place that turns them into responses.
Foreign exceptions (Huawei SDK, ``requests``, SQLAlchemy, pydantic) are translated into this
tree where they are caught, with ``raise ... from exc``.

::

    TransferError                      internal_error            500
    ├── InvalidRequest                 invalid_request           400
    ├── UnknownAccount                 unknown_account           400
    ├── ApprovalDenied                 invalid_approval_token    403
    ├── NotPermitted                   not_permitted             403
    ├── TransferNotFound               transfer_not_found        404
    ├── BatchNotFound                  batch_not_found           404
    ├── BatchNotEligible               batch_not_eligible        422
    ├── InvalidState                   invalid_state             409
    │   └── TransferExpired            expired                   409
    ├── IdempotencyKeyReused           idempotency_key_reused    409
    ├── RequestInProgress              request_in_progress       409
    ├── TargetQuotaExceeded            target_quota_exceeded     409
    ├── VolumeNotEligible              volume_not_eligible       422
    ├── ConfigurationError             configuration_error       500
    └── CloudError                     cloud_error               502
        ├── CloudRejected              cloud_rejected            502
        └── CloudUnavailable           cloud_unavailable         503

Messages never contain key material: they name identifiers and states only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar


class TransferError(Exception):
    """Root of every error raised by the transfer domain."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500

    def __init__(
        self, message: str, *, details: Sequence[Mapping[str, Any]] = ()
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = [dict(detail) for detail in details]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-safe body a caller receives for this error."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details

        return body


class InvalidRequest(TransferError):
    """The request or event is malformed; ``details`` name each field at fault."""

    code = "invalid_request"
    status = 400


class UnknownAccount(TransferError):
    """An account named in a request is not a configured member of the broker."""

    code = "unknown_account"
    status = 400


class ApprovalDenied(TransferError):
    """The approval token does not match the transfer it was presented for."""

    code = "invalid_approval_token"
    status = 403


class NotPermitted(TransferError):
    """The caller's account may not take this action on the transfer."""

    code = "not_permitted"
    status = 403


class TransferNotFound(TransferError):
    """No transfer record has the given id."""

    code = "transfer_not_found"
    status = 404


class BatchNotFound(TransferError):
    """No batch has the given id."""

    code = "batch_not_found"
    status = 404


class BatchNotEligible(TransferError):
    """A batch that can offer no disk at all: its accounts or its selection are wrong.

    ``details`` lists the findings. A batch with some eligible disks is not refused: each
    of its ineligible disks gets its own refused record instead.
    """

    code = "batch_not_eligible"
    status = 422


class InvalidState(TransferError):
    """The transfer is not in a state that allows the action; names the current state."""

    code = "invalid_state"
    status = 409

    def __init__(self, message: str, *, current_state: str) -> None:
        super().__init__(message, details=[{"current_state": current_state}])
        self.current_state = current_state


class TransferExpired(InvalidState):
    """The transfer passed its expiry before the action arrived."""

    code = "expired"


class IdempotencyKeyReused(TransferError):
    """A ``client_token`` already used for a request that asked something else."""

    code = "idempotency_key_reused"
    status = 409


class RequestInProgress(TransferError):
    """Another invocation is working on the same ``client_token``; retry shortly."""

    code = "request_in_progress"
    status = 409


class TargetQuotaExceeded(TransferError):
    """The target project has no EVS quota left for the disk; the offer stays pending."""

    code = "target_quota_exceeded"
    status = 409


class VolumeNotEligible(TransferError):
    """The disk breaks one or more transfer rules; ``details`` lists every reason.

    ``transfer_id`` names the record that keeps the refusal for the audit trail.
    """

    code = "volume_not_eligible"
    status = 422

    def __init__(
        self,
        message: str,
        *,
        details: Sequence[Mapping[str, Any]] = (),
        transfer_id: str | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.transfer_id = transfer_id

    def to_dict(self) -> dict[str, Any]:
        """Return the error body, naming the record of the refusal."""
        body = super().to_dict()
        if self.transfer_id:
            body["transfer_id"] = self.transfer_id

        return body


class ConfigurationError(TransferError):
    """The deployment's settings are missing or inconsistent."""

    code = "configuration_error"
    status = 500


class CloudError(TransferError):
    """A Huawei Cloud API call failed; carries what the cloud said, never credentials."""

    code = "cloud_error"
    status = 502

    def __init__(
        self,
        message: str,
        *,
        service: str,
        operation: str,
        http_status: int | None = None,
        error_code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(
            message,
            details=[
                {
                    "service": service,
                    "operation": operation,
                    "http_status": http_status,
                    "error_code": error_code,
                    "request_id": request_id,
                }
            ],
        )
        self.service = service
        self.operation = operation
        self.http_status = http_status
        self.error_code = error_code
        self.request_id = request_id


class CloudRejected(CloudError):
    """The cloud answered with a client error (4xx) that retrying will not change."""

    code = "cloud_rejected"


class CloudUnavailable(CloudError):
    """The cloud could not be reached, timed out, throttled or failed (5xx).

    ``retry_after`` holds the seconds the service asked to wait, when it said.
    """

    code = "cloud_unavailable"
    status = 503
    retry_after: float | None = None
