"""Who may ask: a member's own requests topic speaks for that member only.

Functional layer: the demo world, where account B has a requests topic of its own in the
broker account (only B may publish to it) and the shared requests topic is the broker's.
"""

from __future__ import annotations

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.functional.transfers.conftest import DISK_1, REQUESTS_TOPIC, Stack
from tests.functional.transfers.worlds import account, demo_world

B_REQUESTS = "urn:smn:cn-north-4:a1000000000000000000000000000001:evs-transfer-requests-account-b"
B_DISK = "10000000-0000-4000-8000-0000000000b1"


def b_request(**changes: str) -> dict[str, str]:
    return {
        "action": "request",
        "volume_id": B_DISK,
        "source_account": "account-b",
        "target_account": "account-a",
        "requester": "bob@account-b.example.com",
        **changes,
    }


@pytest.fixture
def b_has_a_disk(stack: Stack) -> Stack:
    world = demo_world()
    account(world, "account-b")["volumes"] = [
        {"id": B_DISK, "name": "b-disk", "size": 10, "volume_type": "SAS"}
    ]
    stack.cloud.seed(world)
    return stack


def test_member_offers_its_own_disk_on_its_own_topic(b_has_a_disk: Stack) -> None:
    stack = b_has_a_disk

    stack.publish("account-b", B_REQUESTS, b_request())
    stack.cloud.wait_idle(timeout=60)

    created = stack.api("GET", f"/transfers?volume_id={B_DISK}").json()["transfers"]
    assert ["pending_approval"] == [t["state"] for t in created]
    assert "account-b" == created[0]["source_account"]
    assert 1 == len(stack.evs_transfer_ids("account-b"))


def test_member_cannot_offer_another_members_disk(stack: Stack) -> None:
    stack.publish(
        "account-b",
        B_REQUESTS,
        b_request(
            volume_id=DISK_1, source_account="account-a", target_account="account-b"
        ),
    )
    stack.cloud.wait_idle(timeout=60)

    result = stack.cloud.invocations[-1].result["results"][0]
    assert "not_permitted" == result["error"]["code"]
    assert [] == stack.evs_transfer_ids()
    assert "available" == stack.volume_as("broker", DISK_1).status


def test_member_cannot_cancel_another_members_offer(stack: Stack) -> None:
    transfer_id, _token = stack.offered(DISK_1)

    stack.publish(
        "account-b",
        B_REQUESTS,
        {
            "action": "cancel",
            "transfer_id": transfer_id,
            "source_account": "account-a",
            "requester": "mallory@account-b",
        },
    )
    stack.cloud.wait_idle(timeout=60)

    assert "pending_approval" == stack.transfer(transfer_id)["state"]


def test_member_cannot_send_a_batch_of_another_members_disks(stack: Stack) -> None:
    stack.publish(
        "account-b",
        B_REQUESTS,
        {
            "action": "request_batch",
            "tag": {"key": "team", "value": "data"},
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "mallory@account-b",
        },
    )
    stack.cloud.wait_idle(timeout=60)

    result = stack.cloud.invocations[-1].result["results"][0]
    assert "not_permitted" == result["error"]["code"]
    assert [] == stack.evs_transfer_ids()


def test_member_cannot_publish_to_the_brokers_requests_topic(stack: Stack) -> None:
    with pytest.raises(ClientRequestException) as refused:
        stack.publish("account-b", REQUESTS_TOPIC, b_request())

    assert 403 == refused.value.status_code
