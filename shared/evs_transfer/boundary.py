"""The handler boundary: trigger events in, FunctionGraph results out.

This is the one place where errors become responses. APIG callers get a JSON body with a
stable ``code`` and the HTTP status of the error; SMN deliveries are answered in the logs and
the audit trail, because nobody waits for their result. Nothing that reaches a caller carries
a traceback or key material.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import structlog

from evs_transfer.errors import CloudUnavailable, InvalidRequest, TransferError
from evs_transfer.events import (
    ApigEvent,
    SmnEvent,
    SmnRecord,
    TimerEvent,
    parse,
    trigger_kind,
)
from evs_transfer.logs import configure_logging, get_logger
from evs_transfer.pages import problem_page

log = get_logger()


@dataclasses.dataclass(frozen=True)
class Page:
    """An HTML answer of an APIG route, for people in a browser."""

    status: int
    html: str


ApigAction = Callable[
    [ApigEvent, dict[str, str], str], "tuple[int, dict[str, Any]] | Page"
]
SmnAction = Callable[[SmnRecord, str], dict[str, Any]]
TimerAction = Callable[[TimerEvent, str], dict[str, Any]]

SECURITY_HEADERS = {
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
# Pages load nothing from elsewhere, post only to themselves and are never framed (a
# framed Approve button could be clicked by a trick).
PAGE_HEADERS = {
    **SECURITY_HEADERS,
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
}


class Route:
    """An HTTP method and path template (``/transfers/{transfer_id}``) bound to an action."""

    def __init__(
        self, method: str, template: str, action: ApigAction, *, pages: bool = False
    ) -> None:
        self.method = method
        self.template = template
        self.action = action
        self.pages = pages
        """Errors become HTML pages for callers that accept HTML."""
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._pattern = re.compile(f"^{pattern}/?$")

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Return the path parameters if ``method`` and ``path`` fit this route."""
        if method.upper() != self.method:
            return None
        found = self._pattern.match(path)

        return None if found is None else found.groupdict()


def handle(
    event: Any,
    context: Any,
    *,
    function: str,
    routes: Sequence[Route] = (),
    on_smn: SmnAction | None = None,
    on_timer: TimerAction | None = None,
    retry_unavailable: bool = True,
) -> Any:
    """Dispatch a trigger event to the function's routes, SMN or timer action.

    With ``retry_unavailable``, an SMN message that met an unreachable cloud fails the
    invocation, so that FunctionGraph retries it (and at last hands it to the async
    failure destination, payload included). Functions whose messages carry secrets turn
    it off and answer such a message themselves.
    """
    request_id = _request_id(context)
    kind = trigger_kind(event)
    with _bound(function=function, request_id=request_id, trigger=kind):
        log.info("invocation.started")
        if kind == "apig" and routes:
            result: Any = _handle_apig(event, routes, request_id)
            log.info("invocation.finished", status=result["statusCode"])
            return result
        if kind == "smn" and on_smn is not None:
            outcome = _handle_smn(event, on_smn, request_id, retry_unavailable)
            log.info("invocation.finished", results=len(outcome["results"]))
            return outcome
        if kind == "timer" and on_timer is not None:
            outcome = _handle_timer(event, on_timer, request_id)
            log.info("invocation.finished")
            return outcome
        log.warning("invocation.unsupported_trigger")

        return {
            "error": {
                "code": "unsupported_trigger",
                "message": f"{function} got a {kind} event",
            }
        }


def apig_response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """Return an APIG trigger result with a JSON body."""
    return {
        "statusCode": status,
        "isBase64Encoded": False,
        "headers": dict(SECURITY_HEADERS),
        "body": json.dumps(body, default=str),
    }


def page_response(page: Page) -> dict[str, Any]:
    """Return an APIG trigger result with an HTML body."""
    return {
        "statusCode": page.status,
        "isBase64Encoded": False,
        "headers": dict(PAGE_HEADERS),
        "body": page.html,
    }


def wants_html(event: ApigEvent) -> bool:
    """Tell whether the caller is a browser asking for a page rather than JSON."""
    accept = next(
        (value for key, value in event.headers.items() if key.lower() == "accept"), ""
    )

    return "text/html" in accept.lower()


def _handle_apig(raw: Any, routes: Sequence[Route], request_id: str) -> dict[str, Any]:
    event: ApigEvent | None = None
    route: Route | None = None
    try:
        event = parse(ApigEvent, raw, what="APIG event")
        for route in routes:
            params = route.match(event.httpMethod, event.path)
            if params is not None:
                answer = route.action(event, params, request_id)
                if isinstance(answer, Page):
                    return page_response(answer)
                return apig_response(*answer)
        return apig_response(
            404,
            _error_body(
                "route_not_found",
                f"no route for {event.httpMethod} {event.path}",
                request_id,
            ),
        )
    except TransferError as exc:
        _log_error(exc)
        if (
            event is not None
            and route is not None
            and route.pages
            and wants_html(event)
        ):
            return page_response(Page(exc.status, problem_page(exc, request_id)))
        return apig_response(
            exc.status, {"error": exc.to_dict(), "request_id": request_id}
        )
    except Exception:
        log.exception("invocation.crashed")
        return apig_response(
            500,
            _error_body(
                "internal_error",
                "the request failed; see the function's logs",
                request_id,
            ),
        )


def _handle_smn(
    raw: Any, action: SmnAction, request_id: str, retry_unavailable: bool
) -> dict[str, Any]:
    try:
        event = parse(SmnEvent, raw, what="SMN event")
    except InvalidRequest as exc:
        _log_error(exc)
        return {"results": [{"error": exc.to_dict()}]}
    results = []
    for record in event.record:
        with _bound(message_id=record.smn.message_id):
            try:
                results.append(action(record, request_id))
            except CloudUnavailable as exc:
                if not retry_unavailable:
                    _log_error(exc)
                    results.append({"error": exc.to_dict()})
                    continue
                # Raising makes FunctionGraph retry the asynchronous invocation.
                log.warning("smn.retry_requested")
                raise
            except TransferError as exc:
                _log_error(exc)
                results.append({"error": exc.to_dict()})

    return {"results": results}


def _handle_timer(raw: Any, action: TimerAction, request_id: str) -> dict[str, Any]:
    try:
        event = parse(TimerEvent, raw, what="TIMER event")
        with _bound(trigger_name=event.trigger_name):
            return action(event, request_id)
    except CloudUnavailable:
        log.warning("timer.retry_requested")
        raise
    except TransferError as exc:
        _log_error(exc)
        return {"error": exc.to_dict()}


def _log_error(exc: TransferError) -> None:
    log.warning("request.failed", code=exc.code, status=exc.status, message=exc.message)


def _error_body(code: str, message: str, request_id: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}, "request_id": request_id}


def _request_id(context: Any) -> str:
    getter = getattr(context, "getRequestID", None)
    value = getter() if callable(getter) else None

    return str(value) if value else uuid.uuid4().hex


@contextmanager
def _bound(**values: Any) -> Iterator[None]:
    configure_logging()
    with structlog.contextvars.bound_contextvars(**values):
        yield
