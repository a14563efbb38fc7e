"""Functional: the sweep finishes what nobody waits for, once, against localcloud.

Crashes of a function are simulated where localcloud cannot cause them: a record is put in
``accepting`` with an old timestamp, as an invocation killed mid-accept would leave it.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import time

from evs_transfer.models import AuditEvent, TransferState

from .conftest import A_TOPIC, B_TOPIC, DISK_1, DISK_2, Stack

B_PROJECT = "b1000000000000000000000000000001"


def offers_to_b(stack: Stack) -> list[dict]:
    documents = [
        json.loads(d["message"])
        for d in stack.deliveries(B_TOPIC)
        if d["protocol"] == "https"
    ]
    return [doc for doc in documents if doc["type"] == "transfer.offered"]


def subjects(stack: Stack, topic_urn: str, word: str) -> list[str]:
    return [d["subject"] for d in stack.deliveries(topic_urn) if word in d["subject"]]


def stuck_in_accepting(stack: Stack, transfer_id: str) -> None:
    """Leave a record as an accept-function killed after ``approved`` would."""
    long_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    stack.store().transition(
        transfer_id,
        expected=[TransferState.PENDING_APPROVAL],
        new_state=TransferState.ACCEPTING,
        event=AuditEvent(
            transfer_id=transfer_id,
            at=long_ago,
            action="approved",
            actor="test:killed-invocation",
            from_state=TransferState.PENDING_APPROVAL,
            to_state=TransferState.ACCEPTING,
        ),
        changes={"lease_until": long_ago + dt.timedelta(minutes=1)},
    )


def test_sweep_resends_an_offer_that_failed_to_publish(stack: Stack):
    stack.cloud.add_fault("publish_message", "status", status=503, count=1)
    response = stack.request_transfer(DISK_1)
    transfer_id = response.json()["transfer"]["id"]
    before = offers_to_b(stack)
    time.sleep(1.1)

    done = stack.sweep()
    token = stack.offer_token(transfer_id)
    accepted = stack.decide(transfer_id, token)

    assert 201 == response.status_code
    assert [] == before
    assert 1 == done["notified"]
    assert 1 == len(offers_to_b(stack))
    assert "accepted" == accepted.json()["transfer"]["state"]


def test_sweep_sends_nothing_twice(stack: Stack):
    transfer_id, _ = stack.offered()
    time.sleep(1.1)

    first = stack.sweep()
    second = stack.sweep()

    assert 0 == first.get("notified", 0) + second.get("notified", 0)
    assert 1 == len(offers_to_b(stack))
    assert "pending_approval" == stack.transfer(transfer_id)["state"]


def test_reject_whose_evs_delete_fails_is_finished_by_the_sweep(stack: Stack):
    transfer_id, token = stack.offered()
    stack.cloud.add_fault(
        "cinder_delete_volume_transfer", "status", status=500, count=1
    )

    rejected = stack.decide(transfer_id, token, "reject")
    stuck = stack.volume_as("broker", DISK_1).status
    done = stack.sweep()

    assert "rejected" == rejected.json()["transfer"]["state"]
    assert "awaiting-transfer" == stuck
    assert 1 == done["cleaned"]
    assert "available" == stack.volume_as("broker", DISK_1).status
    assert 1 == len(subjects(stack, A_TOPIC, "refused"))


def test_repeated_reject_finishes_a_failed_evs_delete(stack: Stack):
    transfer_id, token = stack.offered()
    stack.cloud.add_fault(
        "cinder_delete_volume_transfer", "status", status=500, count=1
    )
    stack.decide(transfer_id, token, "reject")

    again = stack.decide(transfer_id, token, "reject")

    assert 200 == again.status_code
    assert "available" == stack.volume_as("broker", DISK_1).status


def test_sweep_interrupted_half_way_is_finished_by_the_next_run(stack: Stack):
    first, _ = stack.offered(DISK_1, ttl_seconds=1)
    second, _ = stack.offered(DISK_2, ttl_seconds=1)
    time.sleep(1.2)
    # Both deletes of the run reset, and so does its first retry: one disk is left.
    stack.cloud.add_fault("cinder_delete_volume_transfer", "reset", count=3)
    stack.cloud.add_fault("publish_message", "status", status=503, count=2)

    interrupted = stack.sweep()
    half_done = stack.evs_transfer_ids()
    time.sleep(1.1)
    finished = stack.sweep()

    assert 2 == interrupted["expired"]
    assert 1 == len(half_done)
    assert 1 == finished["cleaned"]
    assert [] == stack.evs_transfer_ids()
    for transfer_id in (first, second):
        events = [e["action"] for e in stack.transfer(transfer_id)["events"]]
        assert 1 == events.count("expired")
    assert 2 == len(subjects(stack, A_TOPIC, "expired"))
    assert 2 == len(offers_to_b(stack))


def test_two_sweeps_at_once_expire_each_offer_once(any_store_stack: Stack):
    stack = any_store_stack
    ids = [stack.offered(disk, ttl_seconds=1)[0] for disk in (DISK_1, DISK_2)]
    time.sleep(1.2)

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(stack.sweep) for _ in range(2)]
        outcomes = [run.result() for run in runs]

    assert 2 == sum(outcome.get("expired", 0) for outcome in outcomes)
    for transfer_id in ids:
        transfer = stack.transfer(transfer_id)
        assert "expired" == transfer["state"]
        assert 1 == [e["action"] for e in transfer["events"]].count("expired")
    assert 2 == len(subjects(stack, A_TOPIC, "expired"))


def test_sweep_hands_back_an_accept_whose_invocation_died(stack: Stack):
    transfer_id, token = stack.offered()
    stuck_in_accepting(stack, transfer_id)

    done = stack.sweep()
    accepted = stack.decide(transfer_id, token)

    assert 1 == done["handed_back"]
    assert "accepted" == accepted.json()["transfer"]["state"]


def test_sweep_records_an_accept_that_went_through_before_the_crash(stack: Stack):
    transfer_id, _ = stack.offered()
    evs_transfer_id = stack.evs_transfer_ids()[0]
    stuck_in_accepting(stack, transfer_id)
    (auth_key,) = stack.cloud.evs.issued_auth_keys()
    stack.cloud.evs.accept_transfer(B_PROJECT, "", evs_transfer_id, auth_key)

    done = stack.sweep()

    assert 1 == done["accepted"]
    transfer = stack.transfer(transfer_id)
    assert "accepted" == transfer["state"]
    assert "accept_reconciled" == transfer["events"][-1]["action"]
    assert 1 == len(subjects(stack, A_TOPIC, "moved"))
