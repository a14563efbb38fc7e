"""The APIG gateway served over a real socket, mounted under ``/apig`` as localcloud does.

The gateway and runtime run in a threaded werkzeug server on 127.0.0.1 with an
ephemeral port; requests go through ``http.client``, so header casing, chunked bodies
and Content-Length framing are the real thing.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from localcloud.functiongraph.gateway import MAX_BODY_BYTES, ApigGateway
from localcloud.functiongraph.runtime import FunctionRuntime
from localcloud.functiongraph.specs import ApigRoute, FunctionSpec, TemporaryCredentials

TRANSFER_HANDLER = """
import base64
import json

def handler(event, context):
    payload = json.loads(base64.b64decode(event["body"]) or "{}")
    body = {
        "transfer_id": event["pathParameters"].get("transfer_id"),
        "payload": payload,
        "has_token": bool(context.getSecurityToken()),
        "request_id": context.getRequestID(),
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
"""


class StaticIssuer:
    def issue_agency_credentials(
        self, domain_id: str, agency_name: str
    ) -> TemporaryCredentials:
        return TemporaryCredentials(
            access=f"AK-{domain_id}-{agency_name}",
            secret="SK",
            security_token="TOKEN",
            expires_at=dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1),
        )


@pytest.fixture
def served_gateway(tmp_path: Path) -> Iterator[tuple[str, int, FunctionRuntime]]:
    handler_file = tmp_path / "functions" / "transfers" / "index.py"
    handler_file.parent.mkdir(parents=True)
    handler_file.write_text(textwrap.dedent(TRANSFER_HANDLER), encoding="utf-8")
    runtime = FunctionRuntime(
        region="ap-southeast-1", credentials=StaticIssuer(), code_root=tmp_path
    )
    spec = FunctionSpec(
        name="transfers",
        account="broker",
        handler="functions/transfers/index.handler",
        agency="fgs_agency",
    )
    runtime.register(spec, domain_id="dom", project_id="proj")
    gateway = ApigGateway(runtime)
    gateway.add_route(ApigRoute(method="POST", path="/transfers", function="transfers"))
    gateway.add_route(
        ApigRoute(method="GET", path="/transfers/{transfer_id}", function="transfers")
    )
    app = DispatcherMiddleware(Response("not here", status=418), {"/apig": gateway})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()

    yield "127.0.0.1", server.server_port, runtime

    server.shutdown()
    thread.join(timeout=5)
    runtime.close()


def request(
    target: tuple[str, int, FunctionRuntime],
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    host, port, _ = target
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_gateway_over_http_invokes_function_with_path_below_mount(
    served_gateway: tuple[str, int, FunctionRuntime],
) -> None:
    status, headers, body = request(
        served_gateway,
        "POST",
        "/apig/transfers?x=1",
        body=b'{"volume_id": "v-1"}',
        headers={"Content-Type": "application/json"},
    )

    result: dict[str, Any] = json.loads(body)
    (invocation,) = served_gateway[2].invocations
    assert 200 == status
    assert {"volume_id": "v-1"} == result["payload"]
    assert result["has_token"] is True
    assert headers["X-Request-Id"] == result["request_id"]
    assert "/transfers" == invocation.event["path"]
    assert {"x": "1"} == invocation.event["queryStringParameters"]
    assert "application/json" == invocation.event["headers"]["content-type"]


def test_gateway_over_http_path_parameter(
    served_gateway: tuple[str, int, FunctionRuntime],
) -> None:
    status, _, body = request(served_gateway, "GET", "/apig/transfers/tr-42")

    assert 200 == status
    assert "tr-42" == json.loads(body)["transfer_id"]


def test_gateway_over_http_unknown_api_is_404(
    served_gateway: tuple[str, int, FunctionRuntime],
) -> None:
    status, headers, body = request(served_gateway, "GET", "/apig/nope")

    error = json.loads(body)
    assert 404 == status
    assert "APIGW.0101" == error["error_code"]
    assert (
        "The API does not exist or has not been published in the environment"
        == error["error_msg"]
    )
    assert headers["X-Request-Id"] == error["request_id"]


def test_gateway_over_http_rejects_large_body_by_content_length(
    served_gateway: tuple[str, int, FunctionRuntime],
) -> None:
    status, _, body = request(
        served_gateway, "POST", "/apig/transfers", body=b"x" * (MAX_BODY_BYTES + 1)
    )

    assert 413 == status
    assert "APIGW.0201" == json.loads(body)["error_code"]
    assert [] == served_gateway[2].invocations


def test_gateway_over_http_concurrent_requests_each_get_own_request_id(
    served_gateway: tuple[str, int, FunctionRuntime],
) -> None:
    results: list[str] = []
    lock = threading.Lock()

    def call(n: int) -> None:
        _, headers, body = request(served_gateway, "GET", f"/apig/transfers/t-{n}")
        with lock:
            results.append(
                f"{json.loads(body)['transfer_id']}:{headers['X-Request-Id']}"
            )

    threads = [threading.Thread(target=call, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert [f"t-{n}" for n in range(8)] == sorted(r.split(":")[0] for r in results)
    assert 8 == len({r.split(":")[1] for r in results})


def test_gateway_over_http_rejects_large_chunked_body(
    served_gateway: tuple[str, int, FunctionRuntime],
) -> None:
    chunks = iter([b"x" * MAX_BODY_BYTES, b"overflow"])
    host, port, runtime = served_gateway
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request("POST", "/apig/transfers", body=chunks, encode_chunked=True)
        response = connection.getresponse()
        status, body = response.status, response.read()
    finally:
        connection.close()

    assert 413 == status
    assert "Request entity too large" == json.loads(body)["error_msg"]
    assert [] == runtime.invocations
