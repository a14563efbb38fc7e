"""Functional: at-least-once deliveries and lost answers cause each effect once."""

from __future__ import annotations

import concurrent.futures
import time

from .conftest import DISK_1, REQUESTS_TOPIC, Stack

CREATE = "cinder_create_volume_transfer"
ACCEPT = "cinder_accept_volume_transfer"
LIST = "cinder_list_volume_transfers"


def test_repeated_request_with_a_client_token_answers_with_the_same_transfer(
    any_store_stack: Stack,
):
    stack = any_store_stack
    first = stack.request_transfer(DISK_1, client_token="ticket-4711")
    again = stack.request_transfer(DISK_1, client_token="ticket-4711")

    assert 201 == first.status_code, first.text
    assert 201 == again.status_code, again.text
    assert first.json()["transfer"]["id"] == again.json()["transfer"]["id"]
    assert 1 == stack.operations().count(CREATE)


def test_client_token_reused_for_another_request_is_refused(any_store_stack: Stack):
    stack = any_store_stack
    stack.request_transfer(DISK_1, client_token="ticket-4711")

    other = stack.request_transfer(DISK_1, client_token="ticket-4711", reason="other")

    assert 409 == other.status_code
    assert "idempotency_key_reused" == other.json()["error"]["code"]


def test_redelivered_smn_request_creates_one_transfer(any_store_stack: Stack):
    stack = any_store_stack
    document = {
        "volume_id": DISK_1,
        "source_account": "account-a",
        "target_account": "account-b",
        "requester": "ops-bot",
    }
    stack.publish("broker", REQUESTS_TOPIC, document)
    assert stack.cloud.wait_idle(30)
    (delivered,) = [i for i in stack.cloud.invocations if i.trigger == "smn"]

    stack.cloud.runtime.invoke("create_transfer", delivered.event)
    transfers = stack.api("GET", f"/transfers?volume_id={DISK_1}").json()["transfers"]

    assert 1 == len(transfers)
    assert 1 == stack.operations().count(CREATE)


def test_lost_create_answer_leaves_no_orphan(stack: Stack):
    stack.cloud.add_fault(CREATE, "drop_response", count=1)

    lost = stack.request_transfer(DISK_1, client_token="ticket-4711")
    left = stack.evs_transfer_ids()
    status_between = stack.volume_as("broker", DISK_1).status
    retried = stack.request_transfer(DISK_1, client_token="ticket-4711")

    assert 503 == lost.status_code
    assert [] == left
    assert "available" == status_between
    assert 201 == retried.status_code, retried.text
    assert 1 == len(stack.evs_transfer_ids())


def test_retry_after_a_create_that_died_deletes_its_orphan_first(
    any_store_stack: Stack,
):
    stack = any_store_stack
    stack.cloud.add_fault(CREATE, "drop_response", count=1)
    stack.cloud.add_fault(LIST, "status", status=503, count=4)  # cleanup fails too
    died = stack.request_transfer(DISK_1, client_token="ticket-4711")
    orphans = stack.evs_transfer_ids()

    retried = stack.request_transfer(DISK_1, client_token="ticket-4711")

    assert 503 == died.status_code
    assert 1 == len(orphans)
    assert 201 == retried.status_code, retried.text
    (kept,) = stack.evs_transfer_ids()
    assert orphans[0] != kept
    assert kept == retried.json()["transfer"]["evs_transfer_id"]


def test_sweep_deletes_the_orphan_of_a_create_nobody_retried(stack: Stack):
    stack.cloud.add_fault(CREATE, "drop_response", count=1)
    stack.cloud.add_fault(LIST, "status", status=503, count=4)
    stack.request_transfer(DISK_1)

    done = stack.sweep()

    assert 1 == done["orphans_cleared"]
    assert [] == stack.evs_transfer_ids()
    assert "available" == stack.volume_as("broker", DISK_1).status


def test_twenty_concurrent_duplicate_approvals_accept_once(any_store_stack: Stack):
    stack = any_store_stack
    transfer_id, token = stack.offered()

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: stack.decide(transfer_id, token), range(20)))

    assert {200, 202} >= {answer.status_code for answer in answers}
    assert {"accepting", "accepted"} >= {
        answer.json()["transfer"]["state"] for answer in answers
    }
    assert 1 == stack.operations().count(ACCEPT)
    assert "accepted" == stack.transfer(transfer_id)["state"]


def test_cleanup_never_deletes_another_transfer_of_the_same_name(stack: Stack):
    live, _ = stack.offered(DISK_1)
    same_name = {"name": f"evs-transfer-{live}", "client_token": "ticket-4712"}

    first = stack.request_transfer(DISK_1, **same_name)
    retry = stack.request_transfer(DISK_1, **same_name)

    assert (422, 422) == (first.status_code, retry.status_code)
    assert [stack.transfer(live)["evs_transfer_id"]] == stack.evs_transfer_ids()
    assert "awaiting-transfer" == stack.volume_as("broker", DISK_1).status


def test_create_that_lands_after_its_answer_timed_out_is_cleared_by_the_sweep(
    stack: Stack,
):
    world = stack.cloud.world
    assert world is not None
    data = world.model_dump()
    for function in data["functions"]:
        function["user_data"]["EVS_TRANSFER_HTTP_TIMEOUT_SECONDS"] = "1"
    stack.cloud.seed(data)
    stack.cloud.add_fault(CREATE, "latency", latency_ms=1500, count=1)

    timed_out = stack.request_transfer(DISK_1)
    stack.cloud.wait_idle(5)
    time.sleep(1)  # the slow create lands after the function gave up on it
    landed = stack.evs_transfer_ids()
    done = stack.sweep()

    assert 503 == timed_out.status_code
    assert 1 == len(landed)
    assert 1 == done["orphans_cleared"]
    assert [] == stack.evs_transfer_ids()
    assert "available" == stack.volume_as("broker", DISK_1).status
