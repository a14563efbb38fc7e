from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from werkzeug.test import Client

from localcloud.functiongraph.gateway import MAX_BODY_BYTES, ApigGateway
from localcloud.functiongraph.runtime import FunctionRuntime
from localcloud.functiongraph.specs import ApigRoute
from tests.unit.localcloud.functiongraph.fgsupport import MakeHandler, Register

# Echoes the event back as the JSON body; returns the raw event field "reply" if asked.
APIG_HANDLER = """
import base64
import json

def handler(event, context):
    body = event["body"]
    if event["isBase64Encoded"]:
        body = base64.b64decode(body).decode()
    if body.startswith("{") and "reply" in json.loads(body):
        return json.loads(body)["reply"]
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "X-Transfer": "t-1"},
        "body": json.dumps({"event": event, "decoded": body}),
        "isBase64Encoded": False,
    }
"""
NOT_PUBLISHED = {
    "error_code": "APIGW.0101",
    "error_msg": "The API does not exist or has not been published in the environment",
}


@pytest.fixture
def gateway(
    runtime: FunctionRuntime, register: Register, make_handler: MakeHandler
) -> ApigGateway:
    register("api", make_handler("functions/api/index", APIG_HANDLER))
    gw = ApigGateway(runtime)
    gw.add_route(ApigRoute(method="POST", path="/transfers", function="api"))
    gw.add_route(
        ApigRoute(method="GET", path="/transfers/{transfer_id}", function="api")
    )
    gw.add_route(
        ApigRoute(
            method="PUT", path="/plain/{a}/{b}", function="api", base64_body=False
        )
    )
    return gw


@pytest.fixture
def client(gateway: ApigGateway) -> Client:
    return Client(gateway)


def reply(client: Client, result: Any) -> tuple[int, dict[str, Any]]:
    response = client.post("/transfers", json={"reply": result})
    return response.status_code, response.get_json()


def without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "request_id"}


def test_gateway_post_sends_base64_body_and_returns_function_response(
    client: Client,
) -> None:
    response = client.post(
        "/transfers?dry_run=1&tag=a&tag=b",
        data=b'{"disk": "d-1"}',
        headers={"X-Custom": "v"},
    )

    payload = response.get_json()
    event = payload["event"]
    request_id = response.headers["X-Request-Id"]
    assert 201 == response.status_code
    assert "t-1" == response.headers["X-Transfer"]
    assert '{"disk": "d-1"}' == payload["decoded"]
    assert base64.b64encode(b'{"disk": "d-1"}').decode() == event["body"]
    assert event["isBase64Encoded"] is True
    assert "POST" == event["httpMethod"]
    assert "/transfers" == event["path"]
    assert {"dry_run": "1", "tag": "a"} == event["queryStringParameters"]
    assert {} == event["pathParameters"]
    assert "v" == event["headers"]["x-custom"]
    assert request_id == event["headers"]["x-request-id"]
    assert request_id == event["requestContext"]["requestId"]
    assert "RELEASE" == event["requestContext"]["stage"]
    assert 32 == len(request_id)


def test_gateway_fills_path_parameters_from_template(client: Client) -> None:
    response = client.get("/transfers/4f1e-77")

    event = response.get_json()["event"]
    assert {"transfer_id": "4f1e-77"} == event["pathParameters"]
    assert "/transfers/4f1e-77" == event["path"]
    assert "" == event["body"]


def test_gateway_plain_body_route(client: Client) -> None:
    response = client.put("/plain/x/y", data=b"hello")

    event = response.get_json()["event"]
    assert "hello" == event["body"]
    assert event["isBase64Encoded"] is False
    assert {"a": "x", "b": "y"} == event["pathParameters"]


def test_gateway_records_apig_invocation(
    runtime: FunctionRuntime, client: Client
) -> None:
    response = client.get("/transfers/t-9")

    (invocation,) = runtime.invocations
    assert "apig" == invocation.trigger
    assert response.headers["X-Request-Id"] == invocation.request_id


def test_gateway_decodes_base64_response(client: Client) -> None:
    result = {
        "statusCode": 200,
        "headers": {"Content-Type": "application/octet-stream"},
        "body": base64.b64encode(b"\x00\x01binary").decode(),
        "isBase64Encoded": True,
    }

    response = client.post("/transfers", json={"reply": result})

    assert 200 == response.status_code
    assert b"\x00\x01binary" == response.data
    assert "application/octet-stream" == response.headers["Content-Type"]


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ("just a string", "expected an object, got str"),
        ({"statusCode": 200, "headers": {}, "body": ""}, "missing 'isBase64Encoded'"),
        (
            {"statusCode": "200", "headers": {}, "body": "", "isBase64Encoded": False},
            "'statusCode' must be int, got str",
        ),
        (
            {"statusCode": True, "headers": {}, "body": "", "isBase64Encoded": False},
            "statusCode True is not an HTTP status",
        ),
        (
            {"statusCode": 99, "headers": {}, "body": "", "isBase64Encoded": False},
            "statusCode 99 is not an HTTP status",
        ),
        (
            {"statusCode": 200, "headers": [], "body": "", "isBase64Encoded": False},
            "'headers' must be Mapping, got list",
        ),
        (
            {
                "statusCode": 200,
                "headers": {"X-N": 1},
                "body": "",
                "isBase64Encoded": False,
            },
            "header 'X-N' must map to a one-line string",
        ),
        (
            {
                "statusCode": 200,
                "headers": {},
                "body": {"a": 1},
                "isBase64Encoded": False,
            },
            "'body' must be str, got dict",
        ),
        (
            {"statusCode": 200, "headers": {}, "body": "", "isBase64Encoded": "yes"},
            "'isBase64Encoded' must be bool, got str",
        ),
        (
            {"statusCode": 200, "headers": {}, "body": "!!", "isBase64Encoded": True},
            "body is not valid base64",
        ),
    ],
)
def test_gateway_contract_violation_is_500(
    client: Client, result: Any, message: str
) -> None:
    status, body = reply(client, result)

    assert 500 == status
    assert {
        "error_code": "FSS.0500",
        "error_msg": f"Invalid function response: {message}",
    } == without_request_id(body)


def test_gateway_handler_exception_is_502(
    runtime: FunctionRuntime,
    gateway: ApigGateway,
    failing_handler: str,
    register: Register,
) -> None:
    register("failing", failing_handler)
    gateway.add_route(ApigRoute(method="DELETE", path="/boom", function="failing"))

    response = Client(gateway).delete("/boom")

    body = response.get_json()
    assert 502 == response.status_code
    assert {
        "error_code": "FSS.0500",
        "error_msg": "Function invocation failed: RuntimeError",
    } == without_request_id(body)
    assert response.headers["X-Request-Id"] == body["request_id"]
    assert "transfer exploded" not in response.get_data(as_text=True)


def test_gateway_route_to_unregistered_function_is_502(gateway: ApigGateway) -> None:
    gateway.add_route(ApigRoute(method="GET", path="/ghost", function="ghost"))

    response = Client(gateway).get("/ghost")

    assert 502 == response.status_code
    assert {"error_code": "APIGW.0201", "error_msg": "Backend unavailable"} == (
        without_request_id(response.get_json())
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/nothing"),
        ("DELETE", "/transfers"),
        ("GET", "/transfers/a/b"),
        ("GET", "/"),
    ],
)
def test_gateway_unknown_api_is_404(client: Client, method: str, path: str) -> None:
    response = client.open(path, method=method)

    assert 404 == response.status_code
    assert "application/json" == response.headers["Content-Type"]
    assert NOT_PUBLISHED == without_request_id(response.get_json())


def test_gateway_body_over_four_megabytes_is_413(
    runtime: FunctionRuntime, client: Client
) -> None:
    response = client.post("/transfers", data=b"x" * (MAX_BODY_BYTES + 1))

    assert 413 == response.status_code
    assert {"error_code": "APIGW.0201", "error_msg": "Request entity too large"} == (
        without_request_id(response.get_json())
    )
    assert [] == runtime.invocations


def test_gateway_body_of_exactly_four_megabytes_is_accepted(client: Client) -> None:
    small = {"statusCode": 204, "headers": {}, "body": "", "isBase64Encoded": False}
    prefix = json.dumps({"reply": small, "pad": ""})[:-2].encode()
    body = prefix + b"x" * (MAX_BODY_BYTES - len(prefix) - 2) + b'"}'

    response = client.post("/transfers", data=body)

    assert MAX_BODY_BYTES == len(body)
    assert 204 == response.status_code


def test_gateway_reset_removes_routes(gateway: ApigGateway, client: Client) -> None:
    gateway.reset()

    response = client.get("/transfers/t-1")

    assert 404 == response.status_code


def test_gateway_refuses_duplicate_route(gateway: ApigGateway) -> None:
    with pytest.raises(ValueError, match=r"^API POST /transfers already exists$"):
        gateway.add_route(ApigRoute(method="POST", path="/transfers", function="api"))


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/t/{id", "path template '/t/{id': bad segment '{id'"),
        ("/t/x{id}", "path template '/t/x{id}': bad segment 'x{id}'"),
        (
            "/t/{id}/{id}",
            "path template '/t/{id}/{id}': redefinition of group name 'id'",
        ),
    ],
)
def test_gateway_refuses_bad_template(
    gateway: ApigGateway, path: str, message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        gateway.add_route(ApigRoute(method="GET", path=path, function="api"))


def test_gateway_error_bodies_are_json(client: Client) -> None:
    response = client.get("/nothing")

    assert (
        json.loads(response.get_data(as_text=True))["request_id"]
        == (response.headers["X-Request-Id"])
    )
