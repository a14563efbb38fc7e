"""A dedicated API Gateway in front of functions (APIG triggers), as a WSGI app.

Mounted by the server under ``/apig``; the path below the mount point is the API path.
Each request runs the route's function synchronously and turns its APIG-shaped return
value into the HTTP response.

Error choices (JSON bodies ``{"error_code", "error_msg", "request_id"}``):

* no route for method + path: 404 ``APIGW.0101`` (documented);
* body over 4 MB, the dedicated-gateway limit: 413 ``APIGW.0201`` (documented code);
* the route's function is not registered: 502 ``APIGW.0201`` "Backend unavailable";
* the function returns something other than the APIG response object: 500
  ``FSS.0500`` naming the fault (Huawei documents the 500, not the body);
* the function raises: 502 ``FSS.0500`` naming the exception type. The real status is
  unverified; 502 says "the backend failed" without suggesting the gateway did.

Does not model: authentication (IAM/APP), throttling, prefix matching, ``{name+}``
path segments, CORS, and multi-value query parameters (the first value wins).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from localcloud.core.auth import Authenticator, signed_request
from localcloud.core.errors import CloudError
from localcloud.functiongraph.errors import FunctionNotFoundError
from localcloud.functiongraph.events import apig_event
from localcloud.functiongraph.specs import ApigRoute

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from localcloud.functiongraph.runtime import FunctionRuntime

MAX_BODY_BYTES = 4 * 1024 * 1024
# The gateway frames the response itself; these from a function would be wrong.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class InvalidResponseError(ValueError):
    """A function's return value breaks the APIG response contract."""


class _CompiledRoute:
    def __init__(self, route: ApigRoute) -> None:
        self.route = route
        self.api_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{route.method} {route.path}").hex
        try:
            self.pattern = re.compile(_template_regex(route.path))
        except re.error as exc:
            raise ValueError(f"path template {route.path!r}: {exc}") from exc

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.route.method:
            return None
        found = self.pattern.fullmatch(path)

        return None if found is None else found.groupdict()


class ApigGateway:
    """WSGI app routing HTTP requests to functions through APIG trigger events.

    Args:
        runtime: Runs the functions behind the routes.
        authenticator: Verifies callers of routes with IAM authentication; without it,
            such routes refuse every call.
    """

    def __init__(
        self, runtime: FunctionRuntime, authenticator: Authenticator | None = None
    ) -> None:
        self._runtime = runtime
        self._authenticator = authenticator
        self._routes: list[_CompiledRoute] = []
        self._lock = threading.Lock()

    def add_route(self, route: ApigRoute) -> None:
        """Publish an API: ``route.method`` on the ``route.path`` template.

        Raises:
            ValueError: The path template is malformed or the API already exists.
        """
        compiled = _CompiledRoute(route)

        with self._lock:
            for existing in self._routes:
                if (existing.route.method, existing.route.path) == (
                    route.method,
                    route.path,
                ):
                    raise ValueError(f"API {route.method} {route.path} already exists")
            self._routes.append(compiled)

    def reset(self) -> None:
        """Remove every route."""
        with self._lock:
            self._routes.clear()

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """Serve one HTTP request (WSGI entry point)."""
        request = Request(environ)
        response = self._handle(request, uuid.uuid4().hex)

        return response(environ, start_response)

    def _handle(self, request: Request, request_id: str) -> Response:
        found = self._match(request.method, request.path)
        if found is None:
            return _error(
                404,
                "APIGW.0101",
                "The API does not exist or has not been published in the environment",
                request_id,
            )
        route, path_parameters = found
        body = _read_body(request)
        if body is None:
            return _error(413, "APIGW.0201", "Request entity too large", request_id)
        if route.route.auth == "IAM":
            refused = self._authenticate(request, body, request_id)
            if refused is not None:
                return refused

        event = _event_for(request, route, path_parameters, body, request_id)

        return self._invoke(route, event, request_id)

    def _invoke(
        self, route: _CompiledRoute, event: dict[str, Any], request_id: str
    ) -> Response:
        try:
            invocation = self._runtime.invoke(
                route.route.function, event, request_id=request_id
            )
        except FunctionNotFoundError:
            return _error(502, "APIGW.0201", "Backend unavailable", request_id)

        if invocation.error is not None:
            message = f"Function invocation failed: {invocation.error['errorType']}"
            return _error(502, "FSS.0500", message, request_id)

        try:
            response = response_from(invocation.result)
        except InvalidResponseError as exc:
            return _error(
                500, "FSS.0500", f"Invalid function response: {exc}", request_id
            )
        response.headers["X-Request-Id"] = request_id

        return response

    def _authenticate(
        self, request: Request, body: bytes, request_id: str
    ) -> Response | None:
        # Any account's IAM identity passes, as with APIG's IAM authentication without an
        # access-control policy. What APIG tells the backend of the caller is not known
        # here, so localcloud tells it nothing.
        if self._authenticator is None:
            return _error(401, "APIGW.0301", "IAM authentication is off", request_id)
        try:
            self._authenticator.authenticate(signed_request(request, body))
        except CloudError as exc:
            return _error(exc.status, str(exc.code), exc.message, request_id)

        return None

    def _match(
        self, method: str, path: str
    ) -> tuple[_CompiledRoute, dict[str, str]] | None:
        with self._lock:
            routes = list(self._routes)
        for compiled in routes:
            parameters = compiled.match(method, path)
            if parameters is not None:
                return compiled, parameters

        return None


def response_from(result: Any) -> Response:
    """Turn a function's return value into an HTTP response, as APIG does.

    Raises:
        InvalidResponseError: ``result`` is not ``{"statusCode": int, "headers": map,
            "body": str, "isBase64Encoded": bool}`` or its body is not valid base64.
    """
    if not isinstance(result, Mapping):
        raise InvalidResponseError(f"expected an object, got {type(result).__name__}")
    status = _typed(result, "statusCode", int)
    headers = _typed(result, "headers", Mapping)
    body = _typed(result, "body", str)
    encoded = _typed(result, "isBase64Encoded", bool)

    if isinstance(status, bool) or not 100 <= status <= 599:
        raise InvalidResponseError(f"statusCode {status!r} is not an HTTP status")
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str) or "\n" in value:
            raise InvalidResponseError(f"header {name!r} must map to a one-line string")

    payload = _decoded(body) if encoded else body.encode("utf-8")
    kept = {k: v for k, v in headers.items() if k.lower() not in _FRAMING_HEADERS}

    return Response(payload, status=status, headers=kept)


def _typed(result: Mapping[str, Any], key: str, kind: type) -> Any:
    if key not in result:
        raise InvalidResponseError(f"missing {key!r}")
    value = result[key]
    if not isinstance(value, kind):
        raise InvalidResponseError(
            f"{key!r} must be {kind.__name__}, got {type(value).__name__}"
        )

    return value


def _decoded(body: str) -> bytes:
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidResponseError("body is not valid base64") from exc


def _read_body(request: Request) -> bytes | None:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        return None
    # Read one byte past the limit: a chunked body has no length to check up front.
    body = request.stream.read(MAX_BODY_BYTES + 1)

    return None if len(body) > MAX_BODY_BYTES else body


def _event_for(
    request: Request,
    route: _CompiledRoute,
    path_parameters: dict[str, str],
    body: bytes,
    request_id: str,
) -> dict[str, Any]:
    headers = {name.lower(): value for name, value in request.headers.items()}
    if request.remote_addr:
        headers.setdefault("x-real-ip", request.remote_addr)

    return apig_event(
        method=request.method,
        path=request.path,
        headers=headers,
        query=request.args.to_dict(flat=True),
        path_parameters=path_parameters,
        body=body,
        base64_body=route.route.base64_body,
        request_id=request_id,
        api_id=route.api_id,
    )


def _template_regex(template: str) -> str:
    parts = []
    for segment in template.split("/"):
        if "{" in segment or "}" in segment:
            found = _PARAM.fullmatch(segment)
            if found is None:
                raise ValueError(f"path template {template!r}: bad segment {segment!r}")
            parts.append(f"(?P<{found.group(1)}>[^/]+)")
        else:
            parts.append(re.escape(segment))

    return "/".join(parts)


def _error(status: int, code: str, message: str, request_id: str) -> Response:
    body = json.dumps(
        {"error_code": code, "error_msg": message, "request_id": request_id}
    )

    return Response(
        body,
        status=status,
        headers={"X-Request-Id": request_id},
        content_type="application/json",
    )
