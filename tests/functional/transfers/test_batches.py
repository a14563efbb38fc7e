"""Batches: one request for many disks, one offer and one approval, each disk its own record.

Functional layer: the demo world served by localcloud, the three functions behind its APIG
gateway and SMN subscriptions, called through HTTP and the real SDK clients. A batch fans
out over the requests topic, so each test waits for localcloud's asynchronous deliveries.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from localcloud.cloud import LocalCloud
from tests.functional.transfers.conftest import (
    A_TOPIC,
    APPROVALS_TOPIC,
    B_TOPIC,
    DISK_1,
    DISK_2,
    DISK_IN_USE,
    DISK_WITH_SNAPSHOT,
    REQUESTS_TOPIC,
    Stack,
)
from tests.functional.transfers.worlds import account, demo_world

TAGGED = [
    "10000000-0000-4000-8000-000000000005",
    "10000000-0000-4000-8000-000000000006",
]
ENCRYPTED = "10000000-0000-4000-8000-0000000000e1"


def many_disks(count: int) -> list[str]:
    return [
        f"10000000-0000-4000-8000-{index:012d}" for index in range(100, 100 + count)
    ]


def world_with(disks: list[str], retry_seconds: int | None = None) -> dict[str, Any]:
    """The demo world plus ``disks`` (plain ones) and an encrypted disk in account A."""
    world = demo_world()
    volumes = account(world, "broker")["volumes"]
    volumes += [
        {"id": disk, "name": f"bulk-{n:03d}", "size": 5, "volume_type": "SAS"}
        for n, disk in enumerate(disks)
    ]
    volumes.append(
        {
            "id": ENCRYPTED,
            "name": "secret-disk",
            "size": 5,
            "metadata": {"__system__encrypted": "1", "__system__cmkid": "k-1"},
        }
    )
    if retry_seconds is not None:
        # The functions share one settings mapping (a YAML anchor).
        settings = world["functions"][0]["user_data"]
        settings["EVS_TRANSFER_BATCH_RETRY_SECONDS"] = str(retry_seconds)
    return world


def request_batch(stack: Stack, **body: Any) -> dict[str, Any]:
    document = {
        "source_account": "account-a",
        "target_account": "account-b",
        "requester": "alice@account-a.example.com",
        "reason": "the data team moves to B",
        **body,
    }
    response = stack.api("POST", "/batches", document)
    assert 202 == response.status_code, response.text
    stack.cloud.wait_idle(timeout=60)
    return batch(stack, str(response.json()["batch"]["id"]))


def batch(stack: Stack, batch_id: str) -> dict[str, Any]:
    response = stack.api("GET", f"/batches/{batch_id}")
    assert 200 == response.status_code, response.text
    return dict(response.json()["batch"])


def batch_offers(cloud: LocalCloud) -> list[dict[str, Any]]:
    """The batch offers B's automation received, as JSON documents."""
    return [
        json.loads(d["message"])
        for d in cloud.outbox
        if d["topic_urn"] == B_TOPIC
        and d["protocol"] == "https"
        and json.loads(d["message"])["type"] == "batch.offered"
    ]


def single_offers(cloud: LocalCloud) -> list[dict[str, Any]]:
    return told(cloud, B_TOPIC, "transfer.offered")


def told(cloud: LocalCloud, topic: str, kind: str) -> list[dict[str, Any]]:
    """The JSON notices of ``kind`` a topic's systems received over HTTPS."""
    documents = [
        json.loads(d["message"])
        for d in cloud.outbox
        if d["topic_urn"] == topic and d["protocol"] == "https"
    ]
    return [document for document in documents if document["type"] == kind]


def a_mails(stack: Stack) -> list[str]:
    """Subject and text of every e-mail account A's people received."""
    return [
        f"{d['subject']}\n{d['message']}"
        for d in stack.deliveries(A_TOPIC)
        if d["protocol"] == "email"
    ]


def decide_batch(
    stack: Stack, batch_id: str, token: str, decision: str = "approve", **extra: Any
) -> Any:
    body = {"decision": decision, "token": token, **extra}
    return stack.api("POST", f"/batches/{batch_id}/approval", body)


def test_batch_of_50_with_3_ineligible_offers_47_and_tells_b_once(
    stack: Stack,
) -> None:
    disks = many_disks(47)
    stack.cloud.seed(world_with(disks))
    named = [*disks[:20], DISK_IN_USE, *disks[20:], ENCRYPTED, DISK_WITH_SNAPSHOT]

    view = request_batch(stack, volume_ids=named)

    states = {volume["volume_id"]: volume["state"] for volume in view["volumes"]}
    assert "pending_approval" == view["state"]
    assert {"pending_approval": 47, "refused": 3} == view["counts"]
    assert [v["volume_id"] for v in view["volumes"]] == named
    assert {"refused"} == {
        states[DISK_IN_USE],
        states[ENCRYPTED],
        states[DISK_WITH_SNAPSHOT],
    }
    assert 1 == len(batch_offers(stack.cloud))
    assert 47 == batch_offers(stack.cloud)[0]["transfer_count"]
    assert [] == single_offers(stack.cloud)
    mails = [
        d["message"] for d in stack.deliveries(A_TOPIC) if d["protocol"] == "email"
    ]
    assert 1 == len(mails)
    assert "47 offered, 3 refused" in mails[0]


def test_batch_refused_disks_keep_their_own_reasons(stack: Stack) -> None:
    stack.cloud.seed(world_with([]))

    view = request_batch(
        stack, volume_ids=[DISK_1, DISK_IN_USE, ENCRYPTED, DISK_WITH_SNAPSHOT]
    )

    reasons = {v["volume_id"]: v["failure_reason"] for v in view["volumes"]}
    assert None is reasons[DISK_1]
    assert "volume_not_available" in reasons[DISK_IN_USE]
    assert "volume_attached" in reasons[DISK_IN_USE]
    assert "volume_encrypted" == reasons[ENCRYPTED]
    assert "volume_has_snapshots" == reasons[DISK_WITH_SNAPSHOT]
    refused = stack.transfer(
        next(v["transfer_id"] for v in view["volumes"] if v["volume_id"] == ENCRYPTED)
    )
    assert view["id"] == refused["batch_id"]
    assert ["volume_encrypted"] == [f["code"] for f in refused["findings"]]


def test_batch_cheap_checks_cost_one_list_call_per_60_disks(stack: Stack) -> None:
    stack.cloud.seed(world_with(many_disks(70)))
    stack.cloud.calls.clear()

    response = stack.api(
        "POST",
        "/batches",
        {
            "volume_ids": many_disks(70),
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "alice",
            "dry_run": True,
        },
    )

    assert 200 == response.status_code, response.text
    assert 70 == response.json()["eligible"]
    evs_reads = [op for op in stack.operations() if op.startswith(("list_", "show_"))]
    assert ["list_volumes", "list_volumes"] == evs_reads
    assert [] == stack.evs_transfer_ids()


def test_batch_approval_accepts_every_pending_disk(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]

    response = decide_batch(stack, view["id"], token)
    stack.cloud.wait_idle(timeout=60)
    decided = batch(stack, view["id"])

    assert 202 == response.status_code, response.text
    assert "closed" == decided["state"]
    assert "approve" == decided["decision"]
    assert {"accepted": 2} == decided["counts"]
    assert [] == told(stack.cloud, B_TOPIC, "transfer.accepted")
    outcome = told(stack.cloud, B_TOPIC, "batch.decided")
    assert [{"accepted": 2}] == [document["counts"] for document in outcome]
    assert 1 == sum("2 of 2 disks moved" in m for m in a_mails(stack))
    for disk in (DISK_1, DISK_2):
        assert (
            stack.cloud.account("account-b").project_id
            == stack.volume_as("account-b", disk).os_vol_tenant_attrtenant_id
        )


def test_batch_approval_over_smn_accepts_every_pending_disk(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]

    stack.publish(
        "account-b",
        APPROVALS_TOPIC,
        {"batch_id": view["id"], "decision": "approve", "token": token},
    )
    stack.cloud.wait_idle(timeout=60)

    assert {"accepted": 2} == batch(stack, view["id"])["counts"]


def test_batch_token_decides_one_disk_then_the_rest(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2, TAGGED[0]])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]
    first = view["volumes"][0]["transfer_id"]

    single = stack.decide(first, token)
    rejected = decide_batch(stack, view["id"], token, "reject", reason="not these")
    stack.cloud.wait_idle(timeout=60)
    decided = batch(stack, view["id"])

    assert 200 == single.status_code, single.text
    assert 202 == rejected.status_code, rejected.text
    assert {"accepted": 1, "rejected": 2} == decided["counts"]
    assert 1 == len(told(stack.cloud, B_TOPIC, "transfer.accepted"))
    assert [] == told(stack.cloud, B_TOPIC, "transfer.rejected")
    assert 1 == sum("1 of 3 disks moved" in m for m in a_mails(stack))
    assert "available" == stack.volume_as("broker", DISK_2).status


def test_batch_by_tag_selects_the_tagged_disks(stack: Stack) -> None:
    view = request_batch(stack, tag={"key": "team", "value": "data"})

    assert sorted(TAGGED) == sorted(v["volume_id"] for v in view["volumes"])
    assert {"tag": {"key": "team", "value": "data"}} == view["selector"]
    assert "pending_approval" == view["state"]


def test_batch_by_a_tag_nobody_carries_is_refused_whole(stack: Stack) -> None:
    response = stack.api(
        "POST",
        "/batches",
        {
            "tag": {"key": "team", "value": "nobody"},
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "alice",
        },
    )

    assert 422 == response.status_code
    assert "batch_not_eligible" == response.json()["error"]["code"]
    assert "no_volume_selected" == response.json()["error"]["details"][0]["code"]


def test_batch_to_a_stranger_is_refused_whole_and_records_nothing(
    stack: Stack,
) -> None:
    response = stack.api(
        "POST",
        "/batches",
        {
            "volume_ids": [DISK_1],
            "source_account": "account-a",
            "target_account": "account-z",
            "requester": "alice",
        },
    )

    assert 422 == response.status_code
    assert ["target_not_member"] == [
        d["code"] for d in response.json()["error"]["details"]
    ]
    assert [] == stack.evs_transfer_ids()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"volume_ids": [DISK_1, DISK_1]}, "volume_ids"),
        ({"volume_ids": []}, "volume_ids"),
        ({"volume_ids": [DISK_1], "tag": {"key": "team"}}, "tag"),
        ({}, "volume_ids"),
        ({"volume_ids": ["not-a-disk"]}, "volume_ids"),
    ],
)
def test_batch_with_a_bad_selection_is_a_client_error(
    stack: Stack, body: dict[str, Any], field: str
) -> None:
    document = {
        "source_account": "account-a",
        "target_account": "account-b",
        "requester": "alice",
        **body,
    }

    response = stack.api("POST", "/batches", document)

    assert 400 == response.status_code
    assert "invalid_request" == response.json()["error"]["code"]
    del field  # the message names it; the code is what callers rely on


def test_batch_with_a_wrong_token_changes_nothing(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])

    response = decide_batch(stack, view["id"], "x" * 43)

    assert 403 == response.status_code
    assert "invalid_approval_token" == response.json()["error"]["code"]
    assert {"pending_approval": 2} == batch(stack, view["id"])["counts"]


def test_batch_repeated_with_its_client_token_is_the_same_batch(stack: Stack) -> None:
    first = request_batch(
        stack, volume_ids=[DISK_1, DISK_2], client_token="move-2026-12"
    )

    again = request_batch(
        stack, volume_ids=[DISK_1, DISK_2], client_token="move-2026-12"
    )
    other = stack.api(
        "POST",
        "/batches",
        {
            "volume_ids": [DISK_1],
            "client_token": "move-2026-12",
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "alice@account-a.example.com",
            "reason": "the data team moves to B",
        },
    )

    assert first["id"] == again["id"]
    assert 2 == len(stack.evs_transfer_ids())
    assert 1 == len(batch_offers(stack.cloud))
    assert 409 == other.status_code
    assert "idempotency_key_reused" == other.json()["error"]["code"]


def test_batch_disk_message_delivered_twice_makes_one_transfer(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1])
    message = next(
        json.loads(d["message"])
        for d in stack.deliveries(REQUESTS_TOPIC)
        if d["protocol"] == "functionstage"
    )

    stack.publish("broker", REQUESTS_TOPIC, message)
    stack.cloud.wait_idle(timeout=60)

    assert 1 == len(stack.evs_transfer_ids())
    assert {"pending_approval": 1} == batch(stack, view["id"])["counts"]


def test_batch_cannot_be_joined_by_a_disk_it_does_not_name(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1])
    forged = {
        "action": "request",
        "volume_id": DISK_2,
        "source_account": "account-a",
        "target_account": "account-b",
        "requester": "alice@account-a.example.com",
        "reason": "the data team moves to B",
        "client_token": f"batch:{view['id']}:0",
        "batch_id": view["id"],
    }

    stack.publish("broker", REQUESTS_TOPIC, forged)
    stack.cloud.wait_idle(timeout=60)

    last = stack.cloud.invocations[-1]
    assert "invalid_request" == last.result["results"][0]["error"]["code"]
    assert "available" == stack.volume_as("broker", DISK_2).status


def test_batch_messages_smn_lost_are_sent_again_by_the_sweep(stack: Stack) -> None:
    stack.cloud.seed(world_with([], retry_seconds=0))
    stack.cloud.add_fault(
        operation="publish_message", kind="status", status=500, count=1
    )

    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    swept = stack.sweep()
    stack.cloud.wait_idle(timeout=60)

    assert {"queued": 2} == view["counts"]
    assert 2 == swept["batch_republished"]
    assert {"pending_approval": 2} == batch(stack, view["id"])["counts"]
    assert 1 == len(batch_offers(stack.cloud))


def test_batch_decision_smn_lost_is_applied_by_the_sweep(stack: Stack) -> None:
    stack.cloud.seed(world_with([], retry_seconds=0))
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]
    stack.cloud.add_fault(
        operation="publish_message", kind="status", status=500, count=1
    )

    response = decide_batch(stack, view["id"], token)
    swept = stack.sweep()

    assert 202 == response.status_code, response.text
    assert 2 == swept["batch_decided"]
    assert {"accepted": 2} == batch(stack, view["id"])["counts"]


def test_batch_decision_message_cannot_decide_another_transfer(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]
    assert 202 == decide_batch(stack, view["id"], token, "reject").status_code
    stack.cloud.wait_idle(timeout=60)
    outsider, _token = stack.offered(DISK_2)

    stack.publish(
        "account-b",
        APPROVALS_TOPIC,
        {
            "action": "decide_batch_item",
            "batch_id": view["id"],
            "transfer_id": outsider,
        },
    )
    stack.cloud.wait_idle(timeout=60)

    assert "pending_approval" == stack.transfer(outsider)["state"]


def test_batch_unknown_is_not_found(stack: Stack) -> None:
    response = stack.api("GET", f"/batches/{'0' * 32}")

    assert 404 == response.status_code
    assert "batch_not_found" == response.json()["error"]["code"]


def test_batch_decided_one_way_refuses_the_other(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]
    assert 202 == decide_batch(stack, view["id"], token, "reject").status_code

    again = decide_batch(stack, view["id"], token, "reject")
    other = decide_batch(stack, view["id"], token, "approve")
    stack.cloud.wait_idle(timeout=60)

    assert 202 == again.status_code
    assert 409 == other.status_code
    assert "was decided already: reject" in other.json()["error"]["message"]
    assert {"rejected": 2} == batch(stack, view["id"])["counts"]


def test_batch_still_offering_cannot_be_decided(stack: Stack) -> None:
    stack.cloud.add_fault(operation="publish_message", kind="status", status=500)
    response = stack.api(
        "POST",
        "/batches",
        {
            "volume_ids": [DISK_1],
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "alice",
        },
    )
    stack.cloud.clear_faults()

    decided = decide_batch(stack, response.json()["batch"]["id"], "t" * 43)

    assert "offering" == response.json()["batch"]["state"]
    assert 409 == decided.status_code
    assert "offering" == decided.json()["error"]["details"][0]["current_state"]


def test_batch_wrong_tokens_lock_its_pending_disks(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])

    answers = [
        decide_batch(stack, view["id"], f"{n:043d}").status_code for n in range(5)
    ]

    assert [403] * 5 == answers
    assert {"locked": 2} == batch(stack, view["id"])["counts"]
    assert "available" == stack.volume_as("broker", DISK_1).status


def test_batch_keys_cannot_be_squatted_by_a_caller(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1])

    response = stack.request_transfer(DISK_2, client_token=f"batch:{view['id']}:1")

    assert 400 == response.status_code
    assert "invalid_request" == response.json()["error"]["code"]


def test_batch_decision_binds_the_disks_own_approvals(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]
    stack.cloud.add_fault(
        operation="publish_message", kind="status", status=500, count=1
    )
    assert 202 == decide_batch(stack, view["id"], token, "reject").status_code

    against = stack.decide(view["volumes"][0]["transfer_id"], token, "approve")

    assert 409 == against.status_code
    assert "decided: reject" in against.json()["error"]["message"]
    assert (
        "pending_approval" == stack.transfer(view["volumes"][0]["transfer_id"])["state"]
    )


def test_batch_whose_disks_ended_one_by_one_is_closed_by_the_sweep(
    stack: Stack,
) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]
    for volume in view["volumes"]:
        assert 200 == stack.decide(volume["transfer_id"], token, "reject").status_code

    swept = stack.sweep()
    late = decide_batch(stack, view["id"], token)

    assert 1 == swept["batch_closed"]
    assert "closed" == batch(stack, view["id"])["state"]
    assert 409 == late.status_code
    assert "none of its disks is pending" in late.json()["error"]["message"]


def test_batch_approval_takes_no_volume_list(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]

    response = decide_batch(stack, view["id"], token, volume_ids=[DISK_1])

    assert 400 == response.status_code
    assert {"pending_approval": 2} == batch(stack, view["id"])["counts"]


def test_batch_page_shows_the_open_disks_and_changes_nothing(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    link = batch_offers(stack.cloud)[0]["approval"]["page_url"]

    page = requests.get(link, headers={"Accept": "text/html"}, timeout=30)
    wrong = requests.get(
        link.split("?")[0] + "?token=" + "w" * 43,
        headers={"Accept": "text/html"},
        timeout=30,
    )

    assert 200 == page.status_code
    assert "text/html" in page.headers["Content-Type"]
    assert "data-disk-01" in page.text
    assert "data-disk-02" in page.text
    assert 403 == wrong.status_code
    assert "This link is not valid" in wrong.text
    assert {"pending_approval": 2} == batch(stack, view["id"])["counts"]
    assert (
        0
        == stack.store()
        .engine.connect()
        .execute(sa.text("select failed_approvals from batches"))
        .scalar_one()
    )


def test_batch_decision_with_no_open_disk_is_refused_and_told_nobody(
    stack: Stack,
) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]
    for volume in view["volumes"]:
        assert 200 == stack.decide(volume["transfer_id"], token, "reject").status_code

    late = decide_batch(stack, view["id"], token)
    stack.cloud.wait_idle(timeout=60)

    assert 409 == late.status_code
    assert "closed" == batch(stack, view["id"])["state"]
    assert [] == told(stack.cloud, B_TOPIC, "batch.decided")


def test_batch_page_of_expired_offers_offers_no_buttons(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1], ttl_seconds=1)
    offer = batch_offers(stack.cloud)[0]["approval"]
    time.sleep(1.5)

    page = requests.get(offer["page_url"], headers={"Accept": "text/html"}, timeout=30)
    late = decide_batch(stack, view["id"], offer["token"])

    assert 200 == page.status_code
    assert 'id="approve"' not in page.text
    assert 409 == late.status_code
    assert "no disk whose offer is still open" in late.json()["error"]["message"]


def test_batch_decided_cannot_be_locked_by_guesses(stack: Stack) -> None:
    stack.cloud.seed(world_with([], retry_seconds=0))
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]
    stack.cloud.add_fault(
        operation="publish_message", kind="status", status=500, count=1
    )
    assert 202 == decide_batch(stack, view["id"], token).status_code

    guesses = [
        decide_batch(stack, view["id"], f"{n:043d}").status_code for n in range(6)
    ]
    swept = stack.sweep()

    assert [403] * 6 == guesses
    assert 2 == swept["batch_decided"]
    assert {"accepted": 2} == batch(stack, view["id"])["counts"]


def test_batch_disks_the_sweep_settles_are_told_once_by_the_summary(
    stack: Stack,
) -> None:
    stack.cloud.seed(world_with([], retry_seconds=0))
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]
    # The first accept lands in EVS, but its answer is lost and B's view is unreadable:
    # the disk goes back to pending, and a later sweep finds it moved.
    stack.cloud.add_fault("cinder_accept_volume_transfer", "drop_response", count=1)
    stack.cloud.add_fault(
        "show_volume", "status", status=503, count=1, account="account-b"
    )

    assert 202 == decide_batch(stack, view["id"], token).status_code
    stack.cloud.wait_idle(timeout=60)
    stack.cloud.clear_faults()
    stack.sweep()
    stack.sweep()

    assert {"accepted": 2} == batch(stack, view["id"])["counts"]
    assert "closed" == batch(stack, view["id"])["state"]
    assert [] == told(stack.cloud, B_TOPIC, "transfer.accepted")
    assert [] == told(stack.cloud, B_TOPIC, "transfer.approval_failed")
    assert 1 == len(told(stack.cloud, B_TOPIC, "batch.decided"))


def test_batch_decision_that_cannot_be_applied_asks_nobody_again(stack: Stack) -> None:
    view = request_batch(stack, volume_ids=[DISK_1, DISK_2])
    token = batch_offers(stack.cloud)[0]["approval"]["token"]
    stack.cloud.add_fault(
        "cinder_accept_volume_transfer", "status", status=413, account="account-b"
    )

    assert 202 == decide_batch(stack, view["id"], token).status_code
    stack.cloud.wait_idle(timeout=60)

    assert {"pending_approval": 2} == batch(stack, view["id"])["counts"]
    assert [] == told(stack.cloud, B_TOPIC, "transfer.approval_failed")
