"""The WSGI application serving every emulated cloud API from one route table.

Each request goes: route → authenticate → check the project/domain scope → injected
fault, if any → ``before`` hooks → handler → JSON answer. Every answer carries
``X-Request-Id``; every routed cloud call lands in the call log (with the fault that hit
it). Errors are rendered in the shape of the route's service.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from localcloud.core.accounts import AccountRegistry
from localcloud.core.auth import Authenticator, Caller, SignedRequest, raw_path
from localcloud.core.calls import CallLog, CallRecord, utc_now_iso
from localcloud.core.context import RequestContext
from localcloud.core.errors import (
    CloudError,
    forbidden_scope,
    injected_error,
    internal_error,
    render_error,
)
from localcloud.core.faults import FaultInjector, FaultSpec, sever
from localcloud.core.routing import Reply, Route, Router

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

logger = logging.getLogger("localcloud")


class ServiceApp:
    """WSGI app dispatching signed cloud API calls (and unauthenticated admin routes)."""

    def __init__(
        self,
        router: Router,
        registry: AccountRegistry,
        calls: CallLog,
        faults: FaultInjector | None = None,
    ) -> None:
        self._router = router
        self._registry = registry
        self._authenticator = Authenticator(registry)
        self._calls = calls
        self._faults = faults or FaultInjector(())

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Answer one WSGI request (or, for an injected fault, drop it unanswered)."""
        request = Request(environ)
        request_id = uuid.uuid4().hex
        response, fault = self._respond(request, request_id)
        if response is None or (fault is not None and fault.kind == "drop_response"):
            sever(environ, reset=response is None)
        response.headers["X-Request-Id"] = request_id

        return response(environ, start_response)

    def _respond(
        self, request: Request, request_id: str
    ) -> tuple[Response | None, FaultSpec | None]:
        """Answer a request; ``None`` instead of a response means: reset the call."""
        matched = self._router.match(request.method, request.path)
        if matched is None:
            return self._unrouted(request, request_id), None

        route, params = matched
        ctx: RequestContext | None = None
        fault: FaultSpec | None = None
        reply: Reply | None
        try:
            ctx = self._context(request, request_id, route, params)
            if ctx.caller is not None:
                fault = self._faults.take(route.operation, ctx.caller)
            reply = self._dispatch(route, ctx, fault)
        except CloudError as error:
            reply = Reply(error.status, render_error(error, route.service, request_id))
        except Exception:  # the boundary: any bug answers the service's 500
            logger.exception("localcloud.handler_failed operation=%s", route.operation)
            failure = internal_error(route.service)
            reply = Reply(
                failure.status, render_error(failure, route.service, request_id)
            )

        if route.authenticated:
            status = None if reply is None else reply.status
            self._record(request, request_id, route, status, ctx, fault)

        return (None if reply is None else _json_response(reply)), fault

    def _dispatch(
        self, route: Route, ctx: RequestContext, fault: FaultSpec | None
    ) -> Reply | None:
        if fault is not None and fault.kind == "status" and fault.status is not None:
            return _injected_reply(fault.status, fault, route.service, ctx.request_id)
        if fault is not None and fault.kind == "reset":
            return None
        if fault is not None and fault.latency_ms:
            time.sleep(fault.latency_ms / 1000)

        self._faults.run_hooks(route.operation)

        return route.handler(ctx)

    def _context(
        self, request: Request, request_id: str, route: Route, params: dict[str, str]
    ) -> RequestContext:
        body = request.get_data(cache=True)
        query = tuple(request.args.items(multi=True))
        headers = {name.lower(): value for name, value in request.headers.items()}
        caller = None
        project_id = None
        if route.authenticated:
            signed = SignedRequest.build(
                method=request.method,
                raw_path=raw_path(request),
                query=query,
                headers=headers.items(),
                body=body,
            )
            caller = self._authenticator.authenticate(signed)
            project_id = self._scope(route, params, headers, caller)

        return RequestContext(
            request_id=request_id,
            service=route.service,
            params=params,
            query=query,
            headers=headers,
            body=body,
            base_url=request.host_url.rstrip("/"),
            caller=caller,
            project_id=project_id,
        )

    def _scope(
        self,
        route: Route,
        params: dict[str, str],
        headers: dict[str, str],
        caller: Caller,
    ) -> str | None:
        if route.scope == "project":
            project_id = params["project_id"]
            owner = self._registry.by_project(project_id)
            header = headers.get("x-project-id")
            if owner is None or owner.domain_id != caller.domain_id:
                raise forbidden_scope(route.service)
            if header is not None and header != project_id:
                raise forbidden_scope(route.service)

            return project_id
        if route.scope == "domain":
            header = headers.get("x-domain-id")
            if header is not None and header != caller.domain_id:
                raise forbidden_scope(route.service)

        return None

    def _unrouted(self, request: Request, request_id: str) -> Response:
        message = f"localcloud has no route for {request.method} {request.path}"
        logger.warning(
            "localcloud.unrouted method=%s path=%s", request.method, request.path
        )
        error = CloudError(404, "APIGW.0101", message)
        self._calls.record(
            CallRecord(
                request_id=request_id,
                service=None,
                operation=None,
                method=request.method,
                path=request.path,
                status=404,
                domain_id=None,
                project_id=None,
                time=utc_now_iso(),
            )
        )

        return _json_response(Reply(404, render_error(error, "apigw", request_id)))

    def _record(
        self,
        request: Request,
        request_id: str,
        route: Route,
        status: int | None,
        ctx: RequestContext | None,
        fault: FaultSpec | None,
    ) -> None:
        caller = ctx.caller if ctx is not None else None
        record = CallRecord(
            request_id=request_id,
            service=route.service,
            operation=route.operation,
            method=request.method,
            path=request.path,
            status=status,
            domain_id=caller.domain_id if caller is not None else None,
            project_id=ctx.project_id if ctx is not None else None,
            time=utc_now_iso(),
            fault=fault.kind if fault is not None else None,
        )
        self._calls.record(record)
        logger.info(
            "localcloud.call operation=%s status=%s request_id=%s",
            route.operation,
            status,
            request_id,
        )


def _injected_reply(
    status: int, fault: FaultSpec, service: str, request_id: str
) -> Reply:
    error = injected_error(service, status)
    retry_after = fault.retry_after_seconds
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}

    return Reply(status, render_error(error, service, request_id), headers)


def _json_response(reply: Reply) -> Response:
    if reply.body is None:
        response = Response(b"", status=reply.status)
    else:
        payload = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        response = Response(
            payload, status=reply.status, content_type="application/json;charset=UTF-8"
        )
    response.headers.extend(reply.headers.items())

    return response
