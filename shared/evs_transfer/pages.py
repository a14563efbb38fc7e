"""The approval pages a person opens from the offer's link, rendered with Jinja2.

Opening the page (``GET``) only shows the offer: mail and chat scanners fetch links before
people do. The decision is a ``POST`` of the page's form, with the token in the body. Every
value is escaped by the template engine; no page loads anything from elsewhere.
"""

from __future__ import annotations

import functools

import jinja2
from pydantic import SecretStr

from evs_transfer.batches import BatchRecord, BatchState
from evs_transfer.errors import TransferError
from evs_transfer.models import TransferRecord, TransferState

HEADLINES = {
    TransferState.ACCEPTED: "The disk is now in your account",
    TransferState.ACCEPTING: "The disk is being moved into your account",
    TransferState.REJECTED: "You rejected the disk; it stays with its owner",
    TransferState.CANCELLED: "The owner cancelled this offer",
    TransferState.EXPIRED: "This offer expired",
    TransferState.FAILED: "This transfer failed",
    TransferState.LOCKED: "This offer was locked after wrong approval tokens",
    TransferState.PENDING_APPROVAL: "The offer is still open",
    TransferState.REFUSED: "This request was refused",
}
PROBLEMS = {
    "invalid_approval_token": "This link is not valid",
    "transfer_not_found": "There is no such transfer",
    "batch_not_found": "There is no such batch",
    "expired": "This offer expired",
    "invalid_state": "This offer can no longer be decided",
    "invalid_request": "The form was not complete",
}


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("evs_transfer", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def approval_page(record: TransferRecord, token: SecretStr) -> str:
    """Return the page that shows an open offer, with its Approve and Reject buttons."""
    template = _environment().get_template("approval.html.j2")

    return template.render(transfer=record, token=token.get_secret_value())


def decided_page(record: TransferRecord) -> str:
    """Return the page that says where a transfer stands after a decision."""
    template = _environment().get_template("decided.html.j2")

    return template.render(transfer=record, headline=HEADLINES[record.state])


BATCH_HEADLINES = {
    BatchState.PENDING_APPROVAL: "The offer is still open",
    BatchState.DECIDED: "Your decision is being applied to each disk",
    BatchState.CLOSED: "Every disk of this batch has its outcome",
}


def batch_approval_page(
    batch: BatchRecord, transfers: list[TransferRecord], token: SecretStr
) -> str:
    """Return the page that shows a batch's open offers, with Approve all and Reject all."""
    template = _environment().get_template("batch_approval.html.j2")
    total_gb = sum(transfer.volume_size_gb or 0 for transfer in transfers)

    return template.render(
        batch=batch,
        transfers=transfers,
        total_gb=total_gb,
        token=token.get_secret_value(),
    )


def batch_decided_page(batch: BatchRecord, transfers: list[TransferRecord]) -> str:
    """Return the page that says where a batch and each of its disks stand."""
    template = _environment().get_template("batch_decided.html.j2")
    headline = BATCH_HEADLINES.get(batch.state, "This batch can no longer be decided")

    return template.render(batch=batch, transfers=transfers, headline=headline)


def problem_page(error: TransferError, request_id: str) -> str:
    """Return the page that explains why nothing was done, with the stable code."""
    template = _environment().get_template("problem.html.j2")
    headline = PROBLEMS.get(error.code, "The request could not be carried out")

    return template.render(
        code=error.code,
        headline=headline,
        message=error.message,
        request_id=request_id,
    )
