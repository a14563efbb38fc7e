"""The admin API, SMN → FunctionGraph delivery and the APIG mount."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkevs.v2 import ListVolumesRequest
from huaweicloudsdksmn.v2 import (
    AddSubscriptionRequest,
    AddSubscriptionRequestBody,
    PublishMessageRequest,
    PublishMessageRequestBody,
)
from pydantic import SecretStr

from evs_transfer.cli.signing import ApiCredentials
from localcloud import LocalCloud
from tests.functional.localcloud.conftest import ClientFactory, http_call
from tests.functional.localcloud.demo_ids import (
    APPROVALS_URN,
    BROKER_PROJECT,
    NOTIFY_A_URN,
    REQUESTS_URN,
)

SMALL_WORLD = {
    "region": "cn-north-4",
    "accounts": [
        {
            "name": "solo",
            "domain_id": "c0000000000000000000000000000001",
            "projects": {"cn-north-4": "c1000000000000000000000000000001"},
            "access_key": "FAKEAKSOLO",
            "secret_key": "fake-sk-solo",
            "volumes": [{"id": "v-1", "name": "only", "size": 10}],
        }
    ],
}


def _admin(
    cloud: LocalCloud, method: str, path: str, body: bytes | None = None
) -> tuple[int, Any]:
    status, _, payload = http_call(method, f"{cloud.url}/_localcloud/{path}", body)
    return status, json.loads(payload)


def _publish(smn: Any, topic_urn: str, message: str) -> Any:
    body = PublishMessageRequestBody(subject="subject", message=message)
    return smn.publish_message(PublishMessageRequest(topic_urn=topic_urn, body=body))


def test_health_reports_region_and_accounts(localcloud: LocalCloud) -> None:
    status, body = _admin(localcloud, "GET", "health")

    assert (
        200,
        {"status": "ok", "region": "cn-north-4", "accounts": ["broker", "account-b"]},
    ) == (
        status,
        body,
    )


def test_reset_forgets_accounts_and_calls(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    evs = client("evs")
    evs.list_volumes(ListVolumesRequest())

    status, _ = _admin(localcloud, "POST", "reset")

    assert (200, [], []) == (status, localcloud.calls, localcloud.outbox)
    with pytest.raises(ClientRequestException) as caught:
        evs.list_volumes(ListVolumesRequest())
    assert 401 == caught.value.status_code


def test_seed_replaces_state_with_posted_world(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    status, body = _admin(localcloud, "POST", "seed", json.dumps(SMALL_WORLD).encode())

    volumes = client("evs", "solo").list_volumes(ListVolumesRequest())
    assert (200, ["solo"], []) == (status, body["accounts"], body["functions"])
    assert ["v-1"] == [v.id for v in volumes.volumes]
    with pytest.raises(KeyError):
        localcloud.account("broker")


def test_seed_with_unknown_key_is_refused(localcloud: LocalCloud) -> None:
    status, body = _admin(
        localcloud, "POST", "seed", b"region: cn-north-4\nplanets: []\n"
    )

    assert 400 == status
    assert "LocalCloud.0400" == body["error"]["code"]
    assert (
        "invalid world: planets: Extra inputs are not permitted"
        == body["error"]["message"]
    )


def test_calls_lists_operations_with_caller(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    client("evs").list_volumes(ListVolumesRequest(limit=2))

    status, body = _admin(localcloud, "GET", "calls")

    (call,) = body["calls"]
    assert 200 == status
    assert (
        "evs",
        "list_volumes",
        "GET",
        200,
        "a0000000000000000000000000000001",
        BROKER_PROJECT,
    ) == (
        call["service"],
        call["operation"],
        call["method"],
        call["status"],
        call["domain_id"],
        call["project_id"],
    )
    assert f"/v2/{BROKER_PROJECT}/cloudvolumes/detail" == call["path"]


def test_outbox_filters_and_clears(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    _publish(client("smn"), NOTIFY_A_URN, "to email")
    _publish(client("smn"), REQUESTS_URN, "{}")
    localcloud.wait_idle()

    query = urllib.parse.urlencode({"protocol": "email", "topic_urn": NOTIFY_A_URN})
    status, body = _admin(localcloud, "GET", f"outbox?{query}")
    deleted_status, deleted = _admin(localcloud, "DELETE", "outbox")

    assert (200, ["to email"]) == (status, [d["message"] for d in body["deliveries"]])
    assert (200, {"deleted": 2}) == (deleted_status, deleted)
    assert [] == localcloud.outbox


def test_confirming_subscription_enables_delivery(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    smn = client("smn")
    body = AddSubscriptionRequestBody(
        protocol="https", endpoint="https://hooks.example.com/x"
    )
    urn = smn.add_subscription(
        AddSubscriptionRequest(topic_urn=NOTIFY_A_URN, body=body)
    ).subscription_urn

    status, confirmed = _admin(
        localcloud, "POST", f"smn/subscriptions/{urllib.parse.quote(urn)}/confirm"
    )
    _publish(smn, NOTIFY_A_URN, "after confirmation")

    delivered = [
        d["message"]
        for d in localcloud.outbox
        if d["protocol"] == "https" and d["type"] == "Notification"
    ]
    assert (200, {"subscription_urn": urn, "status": 1}) == (status, confirmed)
    assert ["after confirmation"] == delivered


def test_publish_to_functionstage_topic_invokes_function_with_smn_event(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    published = _publish(
        client("smn", "account-b"), APPROVALS_URN, '{"transfer_id": "t-1"}'
    )

    assert localcloud.wait_idle(10)
    status, body = _admin(localcloud, "GET", "invocations")

    (invocation,) = localcloud.invocations
    (delivery,) = localcloud.outbox
    assert ("accept_transfer", "smn", "ok") == (
        invocation.to_dict()["function_name"],
        invocation.to_dict()["trigger"],
        invocation.to_dict()["status"],
    )
    assert (200, 1) == (status, len(body["invocations"]))
    assert ("functionstage", published.message_id, "delivered") == (
        delivery["protocol"],
        delivery["message_id"],
        delivery["status"],
    )


def test_apig_routes_are_mounted_under_apig_with_substituted_settings(
    localcloud: LocalCloud,
) -> None:
    broker = localcloud.account("broker")
    operator = ApiCredentials(broker.access_key, SecretStr(broker.secret_key))
    url, headers = operator.sign("POST", f"{localcloud.url}/apig/transfers", {}, b"{}")
    unsigned, _, _ = http_call("POST", f"{localcloud.url}/apig/transfers", b"{}")

    status, _, payload = http_call("POST", url, b"{}", headers)

    body = json.loads(payload)
    assert 401 == unsigned  # the route takes IAM authentication, as deployed
    assert 200 == status
    assert ("create_transfer", "/transfers") == (body["function"], body["path"])
    assert f"{localcloud.url}/apig" == body["api_url"]
    assert body["store_url"].startswith("sqlite:///")
    assert "${" not in body["store_url"]


def test_seed_with_missing_handler_is_refused_and_leaves_cloud_empty(
    localcloud: LocalCloud,
) -> None:
    world = {
        **SMALL_WORLD,
        "functions": [
            {"name": "ghost", "account": "solo", "handler": "nowhere/index.handler"}
        ],
    }

    status, body = _admin(localcloud, "POST", "seed", json.dumps(world).encode())

    assert (400, "LocalCloud.0400") == (status, body["error"]["code"])
    assert body["error"]["message"].startswith("invalid world: ")
    assert (None, []) == (localcloud.world, localcloud.calls)
    with pytest.raises(KeyError):
        localcloud.account("solo")


def test_call_log_and_outbox_never_hold_credentials(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    broker = localcloud.account("broker")
    client("evs").list_volumes(ListVolumesRequest())
    _publish(client("smn"), NOTIFY_A_URN, "hello")

    dumped = json.dumps([localcloud.calls, localcloud.outbox])

    assert broker.access_key not in dumped
    assert broker.secret_key not in dumped
    assert broker.secret_key not in repr(broker)
