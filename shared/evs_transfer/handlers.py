"""The three functions' entry points: which trigger does what.

``create_transfer`` serves the source account: ``POST /transfers``, ``GET /transfers``,
``GET /transfers/{transfer_id}``, ``POST /transfers/{transfer_id}/cancel``, ``POST
/batches`` and ``GET /batches/{batch_id}`` over APIG, and requests (single, batch, and a
batch's per-disk requests) and cancellations published to the requests topic.
``accept_transfer`` serves the target account: ``POST /transfers/{transfer_id}/approval``
and ``POST /batches/{batch_id}/approval`` over APIG, and approvals (and the broker's own
per-disk batch decisions) published to the approvals topic. ``sweep_transfers`` runs on a
TIMER trigger.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from evs_transfer.app import current_app
from evs_transfer.batches import (
    BatchApproval,
    BatchChunk,
    BatchItemDecision,
    BatchRequest,
    BatchState,
)
from evs_transfer.boundary import Page, Route, handle, wants_html
from evs_transfer.config import MemberAccount
from evs_transfer.errors import (
    BatchNotFound,
    InvalidRequest,
    NotPermitted,
    TransferExpired,
    TransferNotFound,
    UnknownAccount,
)
from evs_transfer.events import ApigEvent, SmnRecord, TimerEvent, parse, smn_payload
from evs_transfer.logs import get_logger
from evs_transfer.models import (
    TRANSFER_ID_PATTERN,
    Approval,
    ApprovalLink,
    Cancellation,
    TransferQuery,
    TransferRequest,
    TransferState,
)
from evs_transfer.pages import (
    approval_page,
    batch_approval_page,
    batch_decided_page,
    decided_page,
    problem_page,
)
from evs_transfer.store import utcnow
from evs_transfer.workflow import Caller
from evs_transfer.workflow.batch import OFFER_CHUNK_ACTION
from evs_transfer.workflow.batch_decide import DECIDE_ITEM_ACTION

log = get_logger()

Answer = tuple[int, dict[str, Any]]


def create_transfer(event: Any, context: Any) -> Any:
    """Handle the create-function's triggers (APIG and the requests topic)."""

    def post_transfer(
        apig: ApigEvent, _params: dict[str, str], request_id: str
    ) -> Answer:
        request = parse(TransferRequest, apig.json_body(), what="transfer request")
        # source_account is the caller's claim: APIG authenticated the caller, but the
        # event does not say who it is (README, "Known limitations").
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

    def list_transfers(apig: ApigEvent, _params: dict[str, str], _rid: str) -> Answer:
        query = parse(TransferQuery, apig.queryStringParameters or {}, what="query")
        records = current_app().service(context).find(query)

        return 200, {"transfers": [record.public_view() for record in records]}

    def get_transfer(_apig: ApigEvent, params: dict[str, str], _rid: str) -> Answer:
        view = current_app().service(context).status(_transfer_id(params))

        return 200, {"transfer": view}

    def post_cancel(apig: ApigEvent, params: dict[str, str], request_id: str) -> Answer:
        body = _object(apig.json_body(), _transfer_id(params))
        cancellation = parse(Cancellation, body, what="cancellation")
        caller = Caller(actor=f"http:{cancellation.requester}", request_id=request_id)
        record = current_app().service(context).cancel(cancellation, caller)

        return 200, {"transfer": record.public_view()}

    def post_batch(apig: ApigEvent, _params: dict[str, str], request_id: str) -> Answer:
        request = parse(BatchRequest, apig.json_body(), what="batch request")
        service = current_app().service(context)
        if request.dry_run:
            return 200, service.check_batch(request).to_dict()
        caller = Caller(actor=f"http:{request.requester}", request_id=request_id)
        view = service.request_batch(request, caller)

        return 202, {"batch": view}

    def get_batch(_apig: ApigEvent, params: dict[str, str], _rid: str) -> Answer:
        view = current_app().service(context).batch_status(_batch_id(params))

        return 200, {"batch": view}

    def on_request(record: SmnRecord, request_id: str) -> dict[str, Any]:
        return _on_request(context, record, request_id)

    routes = [
        Route("POST", "/transfers", post_transfer),
        Route("GET", "/transfers", list_transfers),
        Route("GET", "/transfers/{transfer_id}", get_transfer),
        Route("POST", "/transfers/{transfer_id}/cancel", post_cancel),
        Route("POST", "/batches", post_batch),
        Route("GET", "/batches/{batch_id}", get_batch),
    ]

    return handle(
        event, context, function="create_transfer", routes=routes, on_smn=on_request
    )


def accept_transfer(event: Any, context: Any) -> Any:
    """Handle the accept-function's triggers (APIG and the approvals topic)."""

    def get_approval_page(apig: ApigEvent, params: dict[str, str], rid: str) -> Page:
        query = parse(ApprovalLink, apig.queryStringParameters or {}, what="link")
        service = current_app().service(context)
        record = service.preview(_transfer_id(params), query.token)
        if record.state is not TransferState.PENDING_APPROVAL:
            return Page(200, decided_page(record))
        if utcnow() >= record.expires_at:
            # Not swept yet, but over: offer no buttons that can only fail.
            expired = TransferExpired(
                f"transfer {record.id} expired at {record.expires_at:%Y-%m-%d %H:%M} UTC",
                current_state=TransferState.EXPIRED.value,
            )
            return Page(200, problem_page(expired, rid))

        return Page(200, approval_page(record, query.token))

    def post_approval(
        apig: ApigEvent, params: dict[str, str], request_id: str
    ) -> Answer | Page:
        body = _object(apig.json_body(forms=True), _transfer_id(params))
        approval = parse(Approval, _drop_blank(body), what="approval")
        caller = Caller(
            actor=f"http:{approval.approver or 'target'}", request_id=request_id
        )
        record = current_app().service(context).decide(approval, caller)
        # An approval that found another one accepting: the outcome is not known yet.
        status = 202 if record.state is TransferState.ACCEPTING else 200
        if wants_html(apig):
            return Page(status, decided_page(record))

        return status, {"transfer": record.public_view()}

    def on_approval(record: SmnRecord, request_id: str) -> dict[str, Any]:
        app = current_app()
        _require_topic(record, app.settings.approvals_topic_urn)
        service = app.service(context)
        action, body = _split_action(smn_payload(record), (DECIDE_ITEM_ACTION,))
        if action == DECIDE_ITEM_ACTION:
            item = parse(BatchItemDecision, body, what="batch decision")
            caller = _smn_caller("batch", record, request_id)
            return {
                "transfer": service.apply_batch_decision(item, caller).public_view()
            }
        if isinstance(body, dict) and "batch_id" in body:
            batch_approval = parse(BatchApproval, body, what="batch approval")
            caller = _smn_caller(
                batch_approval.approver or "target", record, request_id
            )
            return {"batch": service.decide_batch(batch_approval, caller)}
        approval = parse(Approval, body, what="approval")
        caller = _smn_caller(approval.approver or "target", record, request_id)
        decided = service.decide(approval, caller)

        return {"transfer": decided.public_view()}

    routes = [
        Route(
            "GET", "/transfers/{transfer_id}/approval", get_approval_page, pages=True
        ),
        Route("POST", "/transfers/{transfer_id}/approval", post_approval, pages=True),
        Route(
            "GET",
            "/batches/{batch_id}/approval",
            functools.partial(_batch_page, context),
            pages=True,
        ),
        Route(
            "POST",
            "/batches/{batch_id}/approval",
            functools.partial(_post_batch_approval, context),
            pages=True,
        ),
    ]

    # An approval message carries its token: a platform retry would end, after the last
    # attempt, in the async failure destination with the message. Instead the offer stays
    # open and the target is told to send the approval again.
    return handle(
        event,
        context,
        function="accept_transfer",
        routes=routes,
        on_smn=on_approval,
        retry_unavailable=False,
    )


def sweep_transfers(event: Any, context: Any) -> Any:
    """Handle the sweep-function's TIMER trigger."""

    def on_timer(timer: TimerEvent, request_id: str) -> dict[str, Any]:
        caller = Caller(
            actor=f"timer:{timer.trigger_name}", request_id=request_id, channel="timer"
        )

        return {"sweep": current_app().service(context).sweep(caller)}

    return handle(event, context, function="sweep_transfers", on_timer=on_timer)


def _object(body: Any, path_id: str, field: str = "transfer_id") -> dict[str, Any]:
    # The path names the transfer (or batch); a body naming another is a client mistake.
    if not isinstance(body, dict):
        raise InvalidRequest(
            "the body must be a JSON object", details=[{"field": "body"}]
        )
    if body.get(field, path_id) != path_id:
        raise InvalidRequest(
            f"the body names another {field.removesuffix('_id')} than the path",
            details=[{"field": field}],
        )

    return {**body, field: path_id}


def _transfer_id(params: dict[str, str]) -> str:
    # A path that names no possible transfer is answered like one naming a lost one.
    transfer_id = params["transfer_id"]
    if not re.fullmatch(TRANSFER_ID_PATTERN, transfer_id):
        raise TransferNotFound(f"transfer {transfer_id[:40]!r} does not exist")

    return transfer_id


def _batch_page(
    context: Any, apig: ApigEvent, params: dict[str, str], _rid: str
) -> Page:
    # The batch's offer link: shows the disks still open, changes nothing.
    query = parse(ApprovalLink, apig.queryStringParameters or {}, what="link")
    service = current_app().service(context)
    batch, records = service.preview_batch(_batch_id(params), query.token)
    now = utcnow()
    pending = [
        r
        for r in records
        if r.state is TransferState.PENDING_APPROVAL and r.expires_at > now
    ]
    if batch.state is not BatchState.PENDING_APPROVAL or not pending:
        return Page(200, batch_decided_page(batch, records))

    return Page(200, batch_approval_page(batch, pending, query.token))


def _post_batch_approval(
    context: Any, apig: ApigEvent, params: dict[str, str], request_id: str
) -> Answer | Page:
    # A JSON call, or the batch page's form: one decision for every pending disk.
    raw = _object(apig.json_body(forms=True), _batch_id(params), field="batch_id")
    approval = parse(BatchApproval, _drop_blank(raw), what="batch approval")
    caller = Caller(
        actor=f"http:{approval.approver or 'target'}", request_id=request_id
    )
    service = current_app().service(context)
    view = service.decide_batch(approval, caller)
    if wants_html(apig):
        return Page(202, batch_decided_page(*service.batch_records(view["id"])))

    return 202, {"batch": view}


def _on_request(context: Any, record: SmnRecord, request_id: str) -> dict[str, Any]:
    # What the requests topics carry: a request, a batch, a batch's chunk, a cancel. On
    # a member's own topic, SMN let only that member publish: it speaks for itself only.
    app = current_app()
    member = app.settings.requester_of(record.smn.topic_urn)
    if member is None:
        _require_topic(record, app.settings.requests_topic_urn)
    service = app.service(context)
    action, body = _split_action(smn_payload(record), REQUEST_ACTIONS)
    if action == OFFER_CHUNK_ACTION and member is None:
        chunk = parse(BatchChunk, body, what="batch chunk")
        return {"published": service.publish_batch_chunk(chunk)}
    if action == "request_batch":
        batch_request = parse(BatchRequest, body, what="batch request")
        _speaks_for(member, batch_request.source_account)
        caller = _smn_caller(batch_request.requester, record, request_id)
        return {"batch": service.request_batch(batch_request, caller)}
    if action == "cancel":
        cancellation = parse(Cancellation, body, what="cancellation")
        _speaks_for(member, cancellation.source_account)
        caller = _smn_caller(cancellation.requester, record, request_id)
        return {"transfer": service.cancel(cancellation, caller).public_view()}
    request = parse(TransferRequest, body, what="transfer request")
    _speaks_for(member, request.source_account)
    caller = _smn_caller(request.requester, record, request_id)
    created = service.create(request, caller)

    return {"transfer": created.public_view()}


def _speaks_for(member: MemberAccount | None, source_account: str) -> None:
    # The broker's own topic is trusted; a member's names its publisher.
    if member is None or _resolves_to(source_account, member):
        return
    log.warning("request.not_permitted", account=member.name, named=source_account)
    raise NotPermitted(
        f"account {member.name!r} may only request transfers of its own disks",
        details=[{"field": "source_account", "account": member.name}],
    )


REQUEST_ACTIONS = ("request", "request_batch", "cancel", OFFER_CHUNK_ACTION)


def _resolves_to(account: str, member: MemberAccount) -> bool:
    try:
        return current_app().settings.member(account) == member
    except UnknownAccount:
        return False


def _split_action(document: Any, known: tuple[str, ...]) -> tuple[str | None, Any]:
    # A message names what it asks with "action"; one without it is a transfer request
    # (or an approval). An unknown action stays in the body, which then fails to parse.
    if isinstance(document, dict) and document.get("action") in known:
        body = {key: value for key, value in document.items() if key != "action"}
        return str(document["action"]), body

    return None, document


def _batch_id(params: dict[str, str]) -> str:
    batch_id = params["batch_id"]
    if not re.fullmatch(TRANSFER_ID_PATTERN, batch_id):
        raise BatchNotFound(f"batch {batch_id[:40]!r} does not exist")

    return batch_id


def _drop_blank(body: dict[str, Any]) -> dict[str, Any]:
    # A page's form sends its optional fields empty; JSON callers leave them out.
    return {k: v for k, v in body.items() if not (isinstance(v, str) and v == "")}


def _smn_caller(who: str, record: SmnRecord, request_id: str) -> Caller:
    # SMN delivers at least once: the message id makes a redelivered request a repeat.
    return Caller(
        actor=f"smn:{who}:{record.smn.message_id}",
        request_id=request_id,
        channel="smn",
        idempotency_key=f"smn:{record.smn.message_id}",
    )


def _require_topic(record: SmnRecord, expected: str | None) -> None:
    if expected is None or record.smn.topic_urn != expected:
        raise InvalidRequest(
            "the message did not come from the topic this function serves",
            details=[{"field": "smn.topic_urn"}],
        )
