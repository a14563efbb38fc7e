"""The two functions' entry points: which trigger does what.

``create_transfer`` answers ``POST /transfers`` and ``GET /transfers/{transfer_id}`` over
APIG, and transfer requests published to the requests topic. ``accept_transfer`` answers
``POST /transfers/{transfer_id}/approval`` over APIG, and approvals published to the
approvals topic.
"""

from __future__ import annotations

from typing import Any

from evs_transfer.app import current_app
from evs_transfer.boundary import Route, handle
from evs_transfer.errors import InvalidRequest
from evs_transfer.events import ApigEvent, SmnRecord, parse, smn_payload
from evs_transfer.logs import get_logger
from evs_transfer.models import Approval, TransferRequest
from evs_transfer.workflow import Caller

log = get_logger()


def create_transfer(event: Any, context: Any) -> Any:
    """Handle the create-function's triggers (APIG and the requests topic)."""

    def post_transfer(
        apig: ApigEvent, _params: dict[str, str], request_id: str
    ) -> tuple[int, dict[str, Any]]:
        request = parse(TransferRequest, apig.json_body(), what="transfer request")
        # TODO(#6): the caller's claim to speak for source_account is trusted until the API
        # authenticates callers (IAM identity of the request) and binds them to the account.
        service = current_app().service(context)
        if request.dry_run:
            checked = service.check(request)
            findings = [finding.to_dict() for finding in checked.findings]
            return 200, {
                "dry_run": True,
                "eligible": not checked.errors,
                "findings": findings,
            }
        caller = Caller(actor=f"http:{request.requester}", request_id=request_id)
        record = service.create(request, caller)

        return 201, {"transfer": record.public_view()}

    def get_transfer(
        _apig: ApigEvent, params: dict[str, str], _request_id: str
    ) -> tuple[int, dict[str, Any]]:
        app = current_app()
        record = app.store.get(params["transfer_id"])

        return 200, {"transfer": record.public_view()}

    def on_request(record: SmnRecord, request_id: str) -> dict[str, Any]:
        app = current_app()
        _require_topic(record, app.settings.requests_topic_urn)
        request = parse(TransferRequest, smn_payload(record), what="transfer request")
        caller = Caller(
            actor=f"smn:{request.requester}", request_id=request_id, channel="smn"
        )
        created = app.service(context).create(request, caller)

        return {"transfer": created.public_view()}

    routes = [
        Route("POST", "/transfers", post_transfer),
        Route("GET", "/transfers/{transfer_id}", get_transfer),
    ]

    return handle(
        event, context, function="create_transfer", routes=routes, on_smn=on_request
    )


def accept_transfer(event: Any, context: Any) -> Any:
    """Handle the accept-function's triggers (APIG and the approvals topic)."""

    def post_approval(
        apig: ApigEvent, params: dict[str, str], request_id: str
    ) -> tuple[int, dict[str, Any]]:
        body = apig.json_body()
        if not isinstance(body, dict):
            raise InvalidRequest(
                "the approval must be a JSON object", details=[{"field": "body"}]
            )
        approval = parse(
            Approval, {**body, "transfer_id": params["transfer_id"]}, what="approval"
        )
        caller = Caller(
            actor=f"http:{approval.approver or 'target'}", request_id=request_id
        )
        record = current_app().service(context).decide(approval, caller)

        return 200, {"transfer": record.public_view()}

    def on_approval(record: SmnRecord, request_id: str) -> dict[str, Any]:
        app = current_app()
        _require_topic(record, app.settings.approvals_topic_urn)
        approval = parse(Approval, smn_payload(record), what="approval")
        caller = Caller(
            actor=f"smn:{approval.approver or 'target'}:{record.smn.message_id}",
            request_id=request_id,
            channel="smn",
        )
        decided = app.service(context).decide(approval, caller)

        return {"transfer": decided.public_view()}

    routes = [Route("POST", "/transfers/{transfer_id}/approval", post_approval)]

    return handle(
        event, context, function="accept_transfer", routes=routes, on_smn=on_approval
    )


def _require_topic(record: SmnRecord, expected: str | None) -> None:
    if expected is None or record.smn.topic_urn != expected:
        raise InvalidRequest(
            "the message did not come from the topic this function serves",
            details=[{"field": "smn.topic_urn"}],
        )
