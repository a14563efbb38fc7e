"""Functional: every external call of every flow, failing in every way, once.

Each case arms one fault on the first call of one operation, runs the flow, then lets the
fault clear and does what a caller would (send the same request or decision again) and what
the deployment does (one sweep). Then the invariants must hold: no EVS transfer without an
open record (no orphan, no lost ``auth_key``), sealed keys only on open records, the disk
where the record says, every notification sent, and the flow's outcome reached.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from evs_transfer.tables import notices, transfers

from .conftest import DISK_1, DISK_2, Stack

FAULTS: dict[str, dict[str, Any]] = {
    "throttled": {"kind": "status", "status": 429, "retry_after": 0},
    "error_500": {"kind": "status", "status": 500},
    "unavailable_503": {"kind": "status", "status": 503},
    "slow": {"kind": "latency", "latency_ms": 150},
    "reset": {"kind": "reset"},
    "applied_then_lost": {"kind": "drop_response"},
}
B_PROJECT = "b1000000000000000000000000000001"
TOKEN = "matrix-0001"


@dataclasses.dataclass(frozen=True)
class Flow:
    """A step of the workflow, the calls it makes, and the state it ends in."""

    name: str
    operations: tuple[str, ...]
    prepare: Callable[[Stack], dict[str, Any]]
    act: Callable[[Stack, dict[str, Any]], None]
    outcome: str


def nothing(_stack: Stack) -> dict[str, Any]:
    return {}


def offer(stack: Stack) -> dict[str, Any]:
    transfer_id, token = stack.offered(DISK_1)
    return {"id": transfer_id, "token": token}


def offer_expiring(stack: Stack) -> dict[str, Any]:
    context = {"id": stack.offered(DISK_1, ttl_seconds=1)[0]}
    stack.offered(DISK_2)  # stays pending: the sweep compares it with EVS
    time.sleep(1.1)
    return context


def create(stack: Stack, context: dict[str, Any]) -> None:
    response = stack.request_transfer(DISK_1, client_token=TOKEN)
    if response.status_code == 201:
        context["id"] = response.json()["transfer"]["id"]


FLOWS = [
    Flow(
        "create",
        (
            "show_volume",
            "list_snapshots",
            "list_backups",
            "list_vault",
            "create_temporary_access_key_by_agency",
            "cinder_list_quotas",
            "cinder_create_volume_transfer",
            "encrypt_data",
            "publish_message",
        ),
        nothing,
        create,
        "pending_approval",
    ),
    Flow(
        "accept",
        (
            "cinder_list_quotas",
            "decrypt_data",
            "cinder_accept_volume_transfer",
            "publish_message",
        ),
        offer,
        lambda stack, c: stack.decide(c["id"], c["token"]) and None,
        "accepted",
    ),
    Flow(
        "reject",
        ("cinder_delete_volume_transfer", "publish_message"),
        offer,
        lambda stack, c: stack.decide(c["id"], c["token"], "reject") and None,
        "rejected",
    ),
    Flow(
        "cancel",
        ("cinder_delete_volume_transfer", "publish_message"),
        offer,
        lambda stack, c: stack.cancel(c["id"]) and None,
        "cancelled",
    ),
    Flow(
        "sweep",
        (
            "cinder_delete_volume_transfer",
            "publish_message",
            "cinder_show_volume_transfer",
        ),
        offer_expiring,
        lambda stack, _c: stack.sweep() and None,
        "expired",
    ),
]
CASES = [
    pytest.param(flow, operation, fault, id=f"{flow.name}-{operation}-{fault}")
    for flow in FLOWS
    for operation in flow.operations
    for fault in FAULTS
]


@pytest.fixture
def matrix_stack(stack: Stack) -> Stack:
    world = stack.cloud.world
    assert world is not None
    data = world.model_dump()
    for function in data["functions"]:
        # Failed notifications are due again at once, so one sweep sends them.
        function["user_data"]["EVS_TRANSFER_NOTIFICATION_RETRY_SECONDS"] = "0"
    stack.cloud.seed(data)
    return stack


@pytest.mark.parametrize(("flow", "operation", "fault"), CASES)
def test_flow_survives_a_fault(
    matrix_stack: Stack, flow: Flow, operation: str, fault: str
):
    stack = matrix_stack
    context = flow.prepare(stack)
    (armed,) = [stack.cloud.add_fault(operation, count=1, **FAULTS[fault])]

    flow.act(stack, context)
    fired = next(f for f in stack.cloud.faults if f["id"] == armed["id"])["fired"]
    stack.cloud.clear_faults()
    flow.act(stack, context)
    stack.sweep()

    assert 1 == fired, f"{operation} was never called by {flow.name}"
    assert_consistent(stack)
    assert flow.outcome == stack.transfer(context["id"])["state"]


def assert_consistent(stack: Stack) -> None:
    records = stack.api("GET", "/transfers?limit=200").json()["transfers"]
    open_records = [
        r for r in records if r["state"] in ("pending_approval", "accepting")
    ]

    assert set(stack.evs_transfer_ids()) == {r["evs_transfer_id"] for r in open_records}
    with stack.store().engine.connect() as conn:
        sealed = {
            row.id
            for row in conn.execute(
                sa.select(transfers.c.id).where(
                    transfers.c.auth_key_ciphertext.is_not(None)
                )
            )
        }
        unsent = conn.execute(
            sa.select(notices.c.kind).where(notices.c.state == "pending")
        ).all()
    assert {r["id"] for r in open_records} == sealed
    assert [] == unsent
    latest: dict[str, dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r["created_at"]):
        if record["state"] != "refused":
            latest[record["volume_id"]] = record
    for volume_id, record in latest.items():
        assert_disk_follows(stack, volume_id, record["state"])


def assert_disk_follows(stack: Stack, volume_id: str, state: str) -> None:
    if state == "accepted":
        volume = stack.volume_as("account-b", volume_id)
        assert B_PROJECT == volume.os_vol_tenant_attrtenant_id
        assert "available" == volume.status
        return
    expected = "awaiting-transfer" if state == "pending_approval" else "available"
    assert expected == stack.volume_as("broker", volume_id).status, state
