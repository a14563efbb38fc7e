"""Functional: no secret reaches a channel it is not meant for, across whole flows.

The channels are the ones an operator or an attacker could read: every line the functions
and localcloud print or log, every SMN delivery, every HTTP response, every database row,
localcloud's call log and the recorded function results. The secrets are every ``auth_key``
EVS issued, every AK/SK and security token IAM issued, and every approval token.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import APPROVALS_TOPIC, B_TOPIC, DISK_1, DISK_2, Stack

DISK_3 = "10000000-0000-4000-8000-000000000003"
DISK_5 = "10000000-0000-4000-8000-000000000005"
DISK_6 = "10000000-0000-4000-8000-000000000006"


def run_every_flow(stack: Stack) -> list[str]:
    """Offer three disks: approve by SMN, approve by HTTP, reject; add refused attempts."""
    tokens = []
    first = stack.request_transfer(DISK_1).json()["transfer"]["id"]
    tokens.append(stack.offer_token(first))
    stack.publish(
        "account-b",
        APPROVALS_TOPIC,
        {"transfer_id": first, "decision": "approve", "token": tokens[-1]},
    )
    assert stack.cloud.wait_idle(30)
    assert "accepted" == stack.transfer(first)["state"]

    second = stack.request_transfer(DISK_2).json()["transfer"]["id"]
    tokens.append(stack.offer_token(second))
    stack.api(
        "POST",
        f"/transfers/{second}/approval",
        {"decision": "reject", "token": "x" * 43},
    )
    stack.api(
        "POST",
        f"/transfers/{second}/approval",
        {"decision": "reject", "token": tokens[-1]},
    )
    assert "rejected" == stack.transfer(second)["state"]

    third = stack.request_transfer(DISK_2).json()["transfer"]["id"]
    tokens.append(stack.offer_token(third))
    stack.api(
        "POST",
        f"/transfers/{third}/approval",
        {"decision": "approve", "token": tokens[-1]},
    )
    assert "accepted" == stack.transfer(third)["state"]

    tokens += run_lifecycle_flows(stack)
    stack.request_transfer(DISK_3)  # refused: the disk has a snapshot
    stack.api(
        "POST", "/transfers", {"volume_id": tokens[0]}
    )  # malformed, echoes nothing
    return tokens


def run_lifecycle_flows(stack: Stack) -> list[str]:
    """Cancel one offer; let another expire after its offer was sent again."""
    cancelled, token = stack.offered(DISK_5)
    assert 200 == stack.cancel(cancelled).status_code

    stack.cloud.add_fault("publish_message", "status", status=503, count=1)
    response = stack.request_transfer(DISK_6, ttl_seconds=3)
    expiring = response.json()["transfer"]["id"]
    time.sleep(1.1)
    stack.sweep()  # the offer's retry is due: sent again, with a new token
    resent = stack.offer_token(expiring)
    time.sleep(2)
    stack.sweep()
    assert "expired" == stack.transfer(expiring)["state"]

    return [token, resent]


def database_text() -> str:
    url = os.environ["EVS_TRANSFER_STORE_URL"]
    path = Path(url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        return "\n".join(connection.iterdump())


def deliveries_text(deliveries: list[dict[str, Any]]) -> str:
    return json.dumps(deliveries)


def is_intended_token_channel(delivery: dict[str, Any]) -> bool:
    """The offer to B's topic, and B's own approval message on its way to the function."""
    return delivery["topic_urn"] in (B_TOPIC, APPROVALS_TOPIC)


@pytest.fixture
def channels(stack: Stack, capsys, caplog) -> dict[str, Any]:
    caplog.set_level("DEBUG")
    tokens = run_every_flow(stack)
    output = capsys.readouterr()
    outbox = stack.cloud.outbox
    return {
        "tokens": tokens,
        "logs": output.out + output.err + caplog.text,
        "responses": "\n".join(
            f"{r.status_code} {dict(r.headers)} {r.text}" for r in stack.responses
        ),
        "database": database_text(),
        "calls": json.dumps(stack.cloud.calls),
        "invocations": json.dumps(
            [i.to_dict() for i in stack.cloud.invocations], default=str
        ),
        "all_deliveries": deliveries_text(outbox),
        "other_deliveries": deliveries_text(
            [d for d in outbox if not is_intended_token_channel(d)]
        ),
    }


def test_cloud_secrets_appear_in_no_channel(stack: Stack, channels: dict[str, Any]):
    secrets = stack.cloud.issued_secrets()

    assert (
        len(secrets) > 10
    )  # three auth_keys, world keys, function and agency credentials
    for name in (
        "logs",
        "responses",
        "database",
        "calls",
        "invocations",
        "all_deliveries",
    ):
        leaked = [secret for secret in secrets if secret in channels[name]]
        assert [] == leaked, f"cloud secrets leaked into {name}"


def test_approval_tokens_travel_only_to_the_target_and_back(channels: dict[str, Any]):
    tokens = channels["tokens"]

    assert 5 == len(set(tokens))
    for name in (
        "logs",
        "responses",
        "database",
        "calls",
        "invocations",
        "other_deliveries",
    ):
        leaked = [token for token in tokens if token in channels[name]]
        assert [] == leaked, f"approval tokens leaked into {name}"
    assert all(token in channels["all_deliveries"] for token in tokens)


def test_logs_are_json_lines_with_request_ids(channels: dict[str, Any]):
    events = [
        json.loads(line)
        for line in channels["logs"].splitlines()
        if line.startswith("{") and '"event"' in line
    ]

    assert {"transfer.created", "transfer.accepted", "transfer.rejected"} <= {
        e["event"] for e in events
    }
    assert all(e.get("request_id") for e in events)
