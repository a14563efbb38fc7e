"""Functional: cancel, expiry, status and the audit trail, against localcloud."""

from __future__ import annotations

import concurrent.futures
import json
import time

from huaweicloudsdkevs.v2 import CinderDeleteVolumeTransferRequest, EvsClient

from .conftest import (
    A_TOPIC,
    B_TOPIC,
    DISK_1,
    DISK_2,
    REQUESTS_TOPIC,
    Stack,
)


def json_deliveries(stack: Stack, topic_urn: str, kind: str) -> list[dict]:
    documents = [
        json.loads(d["message"])
        for d in stack.deliveries(topic_urn)
        if d["protocol"] in ("http", "https")
    ]
    return [doc for doc in documents if doc["type"] == kind]


def test_cancel_over_http_gives_the_disk_back_and_tells_the_target(stack: Stack):
    transfer_id, _ = stack.offered()

    response = stack.cancel(transfer_id, reason="wrong disk")

    assert 200 == response.status_code, response.text
    transfer = response.json()["transfer"]
    assert "cancelled" == transfer["state"]
    assert "available" == stack.volume_as("broker", DISK_1).status
    assert [] == stack.evs_transfer_ids()
    (told_b,) = json_deliveries(stack, B_TOPIC, "transfer.cancelled")
    assert "wrong disk" == told_b["reason"]


def test_cancel_over_smn_gives_the_disk_back(stack: Stack):
    transfer_id, _ = stack.offered()

    stack.publish(
        "broker",
        REQUESTS_TOPIC,
        {
            "action": "cancel",
            "transfer_id": transfer_id,
            "source_account": "account-a",
            "requester": "ops-bot",
        },
    )
    assert stack.cloud.wait_idle(30)

    assert "cancelled" == stack.transfer(transfer_id)["state"]
    assert "available" == stack.volume_as("broker", DISK_1).status


def test_cancel_in_the_name_of_another_account_is_not_permitted(stack: Stack):
    transfer_id, _ = stack.offered()

    response = stack.cancel(transfer_id, source_account="account-b")

    assert 403 == response.status_code
    assert "not_permitted" == response.json()["error"]["code"]
    transfer = stack.transfer(transfer_id)
    assert "pending_approval" == transfer["state"]
    assert "cancel_refused" == transfer["events"][-1]["action"]


def test_cancel_after_acceptance_names_the_state(stack: Stack):
    transfer_id, token = stack.offered()
    stack.decide(transfer_id, token)

    response = stack.cancel(transfer_id)

    assert 409 == response.status_code
    assert "invalid_state" == response.json()["error"]["code"]
    assert [{"current_state": "accepted"}] == response.json()["error"]["details"]


def test_repeated_cancel_answers_with_the_cancelled_transfer(stack: Stack):
    transfer_id, _ = stack.offered()
    stack.cancel(transfer_id)

    response = stack.cancel(transfer_id)

    assert 200 == response.status_code
    assert "cancelled" == response.json()["transfer"]["state"]
    assert 1 == len(json_deliveries(stack, B_TOPIC, "transfer.cancelled"))


def test_accept_and_cancel_at_once_exactly_one_wins(any_store_stack: Stack):
    stack = any_store_stack
    transfer_id, token = stack.offered()

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        accept = pool.submit(stack.decide, transfer_id, token)
        cancel = pool.submit(stack.cancel, transfer_id)
        statuses = sorted([accept.result().status_code, cancel.result().status_code])

    assert [200, 409] == statuses
    state = stack.transfer(transfer_id)["state"]
    owner = "account-b" if state == "accepted" else "broker"
    assert state in ("accepted", "cancelled")
    assert "available" == stack.volume_as(owner, DISK_1).status
    assert [] == stack.evs_transfer_ids()


def test_sweep_expires_an_overdue_offer_and_tells_both_sides(stack: Stack):
    transfer_id, _ = stack.offered(ttl_seconds=1)
    time.sleep(1.2)

    done = stack.sweep()

    assert 1 == done["expired"]
    transfer = stack.transfer(transfer_id)
    assert "expired" == transfer["state"]
    assert "available" == stack.volume_as("broker", DISK_1).status
    told_a = [d["subject"] for d in stack.deliveries(A_TOPIC)]
    assert 1 == len([subject for subject in told_a if "expired" in subject])
    assert 1 == len(json_deliveries(stack, B_TOPIC, "transfer.expired"))


def test_approval_after_expiry_is_refused_with_expired(stack: Stack):
    transfer_id, token = stack.offered(ttl_seconds=1)
    time.sleep(1.2)

    response = stack.decide(transfer_id, token)

    assert 409 == response.status_code
    assert "expired" == response.json()["error"]["code"]
    assert "expired" == stack.transfer(transfer_id)["state"]
    assert "available" == stack.volume_as("broker", DISK_1).status


def test_ttl_outside_the_deployment_bounds_is_a_client_error(stack: Stack):
    response = stack.request_transfer(DISK_1, ttl_seconds=10 * 365 * 86400)

    assert 400 == response.status_code
    assert "ttl_seconds" == response.json()["error"]["details"][0]["field"]
    assert "available" == stack.volume_as("broker", DISK_1).status


def test_sweep_fails_an_offer_whose_evs_transfer_was_deleted_outside(stack: Stack):
    transfer_id, _ = stack.offered()
    evs_transfer_id = stack.transfer(transfer_id)["evs_transfer_id"]
    stack.client(EvsClient, "broker").cinder_delete_volume_transfer(
        CinderDeleteVolumeTransferRequest(transfer_id=evs_transfer_id)
    )

    done = stack.sweep()

    assert 1 == done["failed"]
    transfer = stack.transfer(transfer_id)
    assert "failed" == transfer["state"]
    assert "evs_transfer_deleted" == transfer["failure_code"]
    assert 1 == len(json_deliveries(stack, B_TOPIC, "transfer.failed"))


def test_sweep_fails_an_offer_whose_disk_was_deleted(stack: Stack):
    transfer_id, _ = stack.offered()
    project = stack.cloud.account("broker").project_id
    stack.cloud.evs.delete_transfer(project, stack.evs_transfer_ids()[0])
    stack.cloud.evs.delete_volume(project, DISK_1)

    stack.sweep()

    transfer = stack.transfer(transfer_id)
    assert "failed" == transfer["state"]
    assert "volume_deleted" == transfer["failure_code"]


def test_status_shows_history_and_notifications_without_secrets(stack: Stack):
    transfer_id, token = stack.offered()
    stack.decide(transfer_id, token)

    transfer = stack.transfer(transfer_id)

    assert ["created", "approved", "accepted"] == [
        e["action"] for e in transfer["events"]
    ]
    assert [None, "pending_approval", "accepting"] == [
        e["from_state"] for e in transfer["events"]
    ]
    assert all(e["request_id"] and e["at"] for e in transfer["events"])
    kinds = [(n["kind"], n["account"], n["state"]) for n in transfer["notifications"]]
    assert ("offered", "account-b", "sent") == kinds[0]
    assert {
        ("accepted", "account-a", "sent"),
        ("accepted", "account-b", "sent"),
    } == set(kinds[1:])
    text = json.dumps(transfer)
    assert token not in text
    assert "auth_key_ciphertext" not in text
    assert "approval_token_hash" not in text


def test_list_filters_by_state_volume_and_target(stack: Stack):
    first, token = stack.offered(DISK_1)
    stack.decide(first, token)
    second, _ = stack.offered(DISK_2)

    pending = stack.api("GET", "/transfers?state=pending_approval").json()
    by_volume = stack.api("GET", f"/transfers?volume_id={DISK_1}").json()
    for_b = stack.api("GET", "/transfers?target=account-b&limit=1").json()
    bad = stack.api("GET", "/transfers?state=lost")

    assert [second] == [t["id"] for t in pending["transfers"]]
    assert [first] == [t["id"] for t in by_volume["transfers"]]
    assert [second] == [t["id"] for t in for_b["transfers"]]
    assert 400 == bad.status_code
    assert "state" == bad.json()["error"]["details"][0]["field"]


def test_an_accepted_transfer_still_reports_accepted_later(stack: Stack):
    transfer_id, token = stack.offered()
    stack.decide(transfer_id, token)
    stack.sweep()
    stack.sweep()

    assert "accepted" == stack.transfer(transfer_id)["state"]
