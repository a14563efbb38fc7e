"""Functional: what a failed cloud call leaves behind (nothing half done)."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from huaweicloudsdkevs.v2 import (
    CinderDeleteVolumeTransferRequest,
    CinderListVolumeTransfersRequest,
    EvsClient,
)

from evs_transfer.tables import transfers

from .conftest import APPROVALS_TOPIC, B_TOPIC, DISK_1, DISK_2, REQUESTS_TOPIC, Stack

BROKER_PROJECT = "a1000000000000000000000000000001"
KMS_KEY = "30000000-0000-4000-8000-000000000001"
ASSUME_AGENCY = "create_temporary_access_key_by_agency"
FAILURES_TOPIC = f"urn:smn:cn-north-4:{BROKER_PROJECT}:evs-transfer-failures"


def evs_transfers_of_a(stack: Stack) -> list[str]:
    client = stack.client(EvsClient, "broker")
    response = client.cinder_list_volume_transfers(CinderListVolumeTransfersRequest())
    return [transfer.id for transfer in response.transfers or []]


def test_create_with_a_disabled_key_deletes_the_evs_transfer_again(stack: Stack):
    stack.cloud.kms.set_state(BROKER_PROJECT, KMS_KEY, enabled=False)

    response = stack.request_transfer(DISK_1)

    assert 502 == response.status_code
    error = response.json()["error"]
    assert "cloud_rejected" == error["code"]
    assert "KMS.0209" == error["details"][0]["error_code"]
    assert "available" == stack.volume_as("broker", DISK_1).status
    assert [] == evs_transfers_of_a(stack)
    assert [] == stack.deliveries(B_TOPIC)


def test_create_keeps_the_transfer_when_the_offer_cannot_be_published(
    stack: Stack, capsys
):
    stack.cloud.smn.set_attribute(B_TOPIC, "access_policy", None)

    response = stack.request_transfer(DISK_1)

    assert 201 == response.status_code
    assert [] == stack.deliveries(B_TOPIC)
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    failed = [e for e in events if e.get("event") == "notification.failed"]
    assert 1 == len(failed)
    assert response.json()["transfer"]["id"] == failed[0]["transfer_id"]


def test_approval_while_the_key_is_disabled_can_be_sent_again(stack: Stack):
    transfer_id = stack.request_transfer(DISK_1).json()["transfer"]["id"]
    token = stack.offer_token(transfer_id)
    body = {"decision": "approve", "token": token}
    stack.cloud.kms.set_state(BROKER_PROJECT, KMS_KEY, enabled=False)

    refused = stack.api("POST", f"/transfers/{transfer_id}/approval", body)
    state_between = stack.transfer(transfer_id)["state"]
    stack.cloud.kms.set_state(BROKER_PROJECT, KMS_KEY, enabled=True)
    accepted = stack.api("POST", f"/transfers/{transfer_id}/approval", body)

    assert 502 == refused.status_code
    assert "pending_approval" == state_between
    assert 200 == accepted.status_code
    assert "accepted" == accepted.json()["transfer"]["state"]


def test_approval_of_a_transfer_deleted_outside_the_broker_fails_the_record(
    stack: Stack,
):
    created = stack.request_transfer(DISK_1).json()["transfer"]
    token = stack.offer_token(created["id"])
    stack.client(EvsClient, "broker").cinder_delete_volume_transfer(
        CinderDeleteVolumeTransferRequest(transfer_id=created["evs_transfer_id"])
    )

    response = stack.api(
        "POST",
        f"/transfers/{created['id']}/approval",
        {"decision": "approve", "token": token},
    )

    assert 502 == response.status_code
    transfer = stack.transfer(created["id"])
    assert "failed" == transfer["state"]
    assert transfer["failure_reason"]
    assert "available" == stack.volume_as("broker", DISK_1).status


def test_accept_refused_with_401_leaves_the_offer_open(stack: Stack):
    created = stack.request_transfer(DISK_1).json()["transfer"]
    token = stack.offer_token(created["id"])
    stack.cloud.add_fault(
        "cinder_accept_volume_transfer", "status", status=401, count=1
    )

    refused = stack.decide(created["id"], token)
    state_between = stack.transfer(created["id"])["state"]
    accepted = stack.decide(created["id"], token)

    assert 502 == refused.status_code
    assert "pending_approval" == state_between
    assert "accepted" == accepted.json()["transfer"]["state"]


def test_refused_agency_credentials_are_assumed_again(stack: Stack):
    stack.request_transfer(DISK_1, dry_run=True)  # caches B's agency credentials
    stack.cloud.add_fault(
        "cinder_list_quotas", "status", status=401, count=1, account="account-b"
    )

    refused = stack.request_transfer(DISK_1, dry_run=True).json()
    assumed_before = stack.operations().count(ASSUME_AGENCY)
    again = stack.request_transfer(DISK_1, dry_run=True).json()

    assert ["check_unavailable"] == [f["code"] for f in refused["findings"]]
    assert again["eligible"]
    assert assumed_before + 1 == stack.operations().count(ASSUME_AGENCY)


def test_throttled_read_waits_as_long_as_the_service_asks(stack: Stack):
    stack.cloud.add_fault("show_volume", "status", status=429, retry_after=1, count=1)

    response = stack.request_transfer(DISK_1, dry_run=True)

    assert 200 == response.status_code
    reads = [c for c in stack.cloud.calls if c["operation"] == "show_volume"]
    assert [429, 200] == [c["status"] for c in reads]
    gap = dt.datetime.fromisoformat(reads[1]["time"]) - dt.datetime.fromisoformat(
        reads[0]["time"]
    )
    assert gap >= dt.timedelta(seconds=1)


def test_writes_are_never_retried_blindly(stack: Stack):
    stack.cloud.add_fault(
        "cinder_create_volume_transfer", "status", status=503, count=1
    )

    failed = stack.request_transfer(DISK_1)
    creates = stack.operations().count("cinder_create_volume_transfer")

    assert 503 == failed.status_code
    assert 1 == creates
    assert "available" == stack.volume_as("broker", DISK_1).status


def test_smn_approval_meeting_an_unreachable_cloud_asks_the_target_again(
    stack: Stack,
):
    created = stack.request_transfer(DISK_1).json()["transfer"]
    token = stack.offer_token(created["id"])
    stack.cloud.add_fault("decrypt_data", "status", status=503)  # every retry too

    stack.publish(
        "account-b",
        APPROVALS_TOPIC,
        {"transfer_id": created["id"], "decision": "approve", "token": token},
    )
    assert stack.cloud.wait_idle(30)

    accept_runs = [
        i for i in stack.cloud.invocations if i.function_name == "accept_transfer"
    ]
    assert [True] == [run.ok for run in accept_runs]  # not retried with its token
    assert [] == stack.deliveries(FAILURES_TOPIC)
    assert "pending_approval" == stack.transfer(created["id"])["state"]
    asked = [
        json.loads(d["message"])
        for d in stack.deliveries(B_TOPIC)
        if d["protocol"] == "https"
    ]
    assert "transfer.approval_failed" == asked[-1]["type"]


def test_smn_request_failing_every_attempt_reaches_the_failure_topic(stack: Stack):
    stack.cloud.add_fault("cinder_create_volume_transfer", "status", status=503)

    stack.publish(
        "broker",
        REQUESTS_TOPIC,
        {
            "volume_id": DISK_1,
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "ops-bot",
        },
    )
    assert stack.cloud.wait_idle(30)

    (failure,) = stack.deliveries(FAILURES_TOPIC)
    record = json.loads(failure["message"])
    assert 2 == record["request_context"]["approximate_invoke_count"]
    assert "CloudUnavailable" == record["request_context"]["condition"]
    assert "available" == stack.volume_as("broker", DISK_1).status
    assert [] == evs_transfers_of_a(stack)


def test_sealed_key_moved_to_another_record_does_not_decrypt(stack: Stack):
    first, token = stack.offered(DISK_1)
    second, _ = stack.offered(DISK_2)
    with stack.store().engine.begin() as conn:
        sealed = dict(
            conn.execute(
                sa.select(transfers.c.id, transfers.c.auth_key_ciphertext)
            ).all()
        )
        conn.execute(
            transfers.update()
            .where(transfers.c.id == first)
            .values(auth_key_ciphertext=sealed[second])
        )

    response = stack.decide(first, token)

    assert 502 == response.status_code
    assert "kms" == response.json()["error"]["details"][0]["service"]
    assert "cinder_accept_volume_transfer" not in stack.operations()
    assert "pending_approval" == stack.transfer(first)["state"]
