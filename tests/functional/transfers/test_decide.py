"""Functional: approvals and rejections over SMN and HTTP, against localcloud."""

from __future__ import annotations

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from .conftest import A_TOPIC, APPROVALS_TOPIC, B_TOPIC, DISK_1, Stack


def offered(stack: Stack) -> tuple[str, str]:
    response = stack.request_transfer(DISK_1)
    assert 201 == response.status_code, response.text
    transfer_id = response.json()["transfer"]["id"]
    return transfer_id, stack.offer_token(transfer_id)


def test_approval_over_smn_moves_the_disk_to_the_target(stack: Stack):
    transfer_id, token = offered(stack)

    stack.publish(
        "account-b",
        APPROVALS_TOPIC,
        {"transfer_id": transfer_id, "decision": "approve", "token": token},
    )
    assert stack.cloud.wait_idle(30)

    assert "accepted" == stack.transfer(transfer_id)["state"]
    volume = stack.volume_as("account-b", DISK_1)
    assert "b1000000000000000000000000000001" == volume.os_vol_tenant_attrtenant_id
    assert "available" == volume.status
    with pytest.raises(ClientRequestException) as caught:
        stack.volume_as("broker", DISK_1)
    assert 404 == caught.value.status_code
    told_a = [d for d in stack.deliveries(A_TOPIC) if "moved" in (d["subject"] or "")]
    assert told_a


def test_approval_over_http_moves_the_disk_to_the_target(stack: Stack):
    transfer_id, token = offered(stack)

    response = stack.api(
        "POST",
        f"/transfers/{transfer_id}/approval",
        {"decision": "approve", "token": token},
    )

    assert 200 == response.status_code, response.text
    assert "accepted" == response.json()["transfer"]["state"]
    assert "b1000000000000000000000000000001" == (
        stack.volume_as("account-b", DISK_1).os_vol_tenant_attrtenant_id
    )


def test_approval_with_a_wrong_token_is_denied_and_changes_nothing(stack: Stack):
    transfer_id, _ = offered(stack)

    response = stack.api(
        "POST",
        f"/transfers/{transfer_id}/approval",
        {"decision": "approve", "token": "w" * 43},
    )

    assert 403 == response.status_code
    assert "invalid_approval_token" == response.json()["error"]["code"]
    assert "pending_approval" == stack.transfer(transfer_id)["state"]
    assert "awaiting-transfer" == stack.volume_as("broker", DISK_1).status


def test_repeated_approval_reports_the_transfer_as_accepted(stack: Stack):
    transfer_id, token = offered(stack)
    body = {"decision": "approve", "token": token}
    stack.api("POST", f"/transfers/{transfer_id}/approval", body)

    response = stack.api("POST", f"/transfers/{transfer_id}/approval", body)

    assert 200 == response.status_code
    assert "accepted" == response.json()["transfer"]["state"]
    assert 1 == stack.operations().count("cinder_accept_volume_transfer")


def test_reject_after_approval_names_the_current_state(stack: Stack):
    transfer_id, token = offered(stack)
    stack.api(
        "POST",
        f"/transfers/{transfer_id}/approval",
        {"decision": "approve", "token": token},
    )

    response = stack.api(
        "POST",
        f"/transfers/{transfer_id}/approval",
        {"decision": "reject", "token": token},
    )

    assert 409 == response.status_code
    error = response.json()["error"]
    assert "invalid_state" == error["code"]
    assert [{"current_state": "accepted"}] == error["details"]


def test_reject_over_http_gives_the_disk_back_and_tells_the_source(stack: Stack):
    transfer_id, token = offered(stack)

    response = stack.api(
        "POST",
        f"/transfers/{transfer_id}/approval",
        {"decision": "reject", "token": token, "reason": "wrong team"},
    )

    assert 200 == response.status_code, response.text
    assert "rejected" == response.json()["transfer"]["state"]
    assert "available" == stack.volume_as("broker", DISK_1).status
    told_a = stack.deliveries(A_TOPIC)
    assert 1 == len(told_a)
    assert "wrong team" in told_a[0]["message"]


def test_approval_from_another_topic_is_refused(stack: Stack):
    transfer_id, token = offered(stack)
    event = {
        "record": [
            {
                "event_version": "1.0",
                "event_source": "smn",
                "event_subscription_urn": (
                    "urn:fss:cn-north-4:p:function:default:accept_transfer:latest"
                ),
                "smn": {
                    "topic_urn": B_TOPIC,
                    "message": f'{{"transfer_id": "{transfer_id}", "decision": "approve", '
                    f'"token": "{token}"}}',
                    "message_id": "m" * 32,
                    "subject": "approve",
                    "timestamp": "2026-12-03T10:00:00Z",
                    "type": "notification",
                    "message_attributes": None,
                },
            }
        ]
    }

    invocation = stack.cloud.runtime.invoke("accept_transfer", event)

    assert "invalid_request" == invocation.result["results"][0]["error"]["code"]
    assert "pending_approval" == stack.transfer(transfer_id)["state"]


def test_wrong_tokens_past_the_limit_lock_the_transfer_and_tell_the_source(
    stack: Stack,
):
    transfer_id, token = offered(stack)

    answers = [
        stack.decide(transfer_id, f"guess-{n:02d}-" + "x" * 40).status_code
        for n in range(5)
    ]
    right_token_after = stack.decide(transfer_id, token)

    assert [403] * 5 == answers
    transfer = stack.transfer(transfer_id)
    assert "locked" == transfer["state"]
    assert 5 == transfer["failed_approvals"]
    assert 409 == right_token_after.status_code
    assert "available" == stack.volume_as("broker", DISK_1).status
    assert [] == stack.evs_transfer_ids()
    told_a = [d["subject"] for d in stack.deliveries(A_TOPIC)]
    assert any("locked after 5 wrong approval tokens" in s for s in told_a)
