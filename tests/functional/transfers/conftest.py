"""A broker, account A and account B on localcloud, and the ways their people act.

The demo world is served in-process; the two functions run in the FunctionGraph runtime
emulation; every cloud call goes through the real Huawei SDK clients over HTTP.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkevs.v2 import EvsClient, ShowVolumeRequest
from huaweicloudsdksmn.v2 import (
    PublishMessageRequest,
    PublishMessageRequestBody,
    SmnClient,
)
from pydantic import SecretStr
from sqlalchemy.engine import Engine

from evs_transfer.app import close_apps
from evs_transfer.cli.signing import ApiCredentials
from evs_transfer.store import TransferStore, create_store_engine
from localcloud.cloud import LocalCloud
from localcloud.testing import DEMO_WORLD
from tests.databases import BACKENDS, database
from tests.functional import leaks

REGION = "cn-north-4"
DISK_1 = "10000000-0000-4000-8000-000000000001"
DISK_2 = "10000000-0000-4000-8000-000000000002"
DISK_WITH_SNAPSHOT = "10000000-0000-4000-8000-000000000003"
DISK_IN_USE = "10000000-0000-4000-8000-000000000004"
B_TOPIC = (
    "urn:smn:cn-north-4:b1000000000000000000000000000001:evs-transfer-notifications"
)
A_TOPIC = (
    "urn:smn:cn-north-4:a1000000000000000000000000000001:evs-transfer-notifications-a"
)
APPROVALS_TOPIC = (
    "urn:smn:cn-north-4:a1000000000000000000000000000001:evs-transfer-approvals"
)
REQUESTS_TOPIC = (
    "urn:smn:cn-north-4:a1000000000000000000000000000001:evs-transfer-requests"
)


LIVE_STACKS: list[Stack] = []


class Stack:
    """The served demo world, seen by its users: operators of A and B, and an observer."""

    def __init__(self, cloud: LocalCloud) -> None:
        assert cloud.url is not None
        self.cloud = cloud
        self.url = cloud.url
        self.responses: list[requests.Response] = []
        self.engines: list[Engine] = []
        self.database_dump = ""
        LIVE_STACKS.append(self)

    def api(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> requests.Response:
        """Call the HTTP API through the emulated APIG gateway, signed as A's operator.

        ``raw`` sends those bytes instead of ``body`` as JSON.
        """
        data = (
            raw
            if raw is not None
            else b""
            if body is None
            else json.dumps(body).encode()
        )
        url, headers = self.operator.sign(
            method, f"{self.url}/apig{path}", {}, data, content_type
        )
        response = requests.request(
            method, url, data=data or None, headers=headers, timeout=30
        )
        self.responses.append(response)
        return response

    @property
    def operator(self) -> ApiCredentials:
        """Account A's keys: its operators call the broker's IAM-authenticated API."""
        broker = self.cloud.account("broker")
        return ApiCredentials(broker.access_key, SecretStr(broker.secret_key))

    def request_transfer(
        self, volume_id: str = DISK_1, **changes: Any
    ) -> requests.Response:
        body = {
            "volume_id": volume_id,
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "alice@account-a.example.com",
            "reason": "team moved",
            **changes,
        }
        return self.api("POST", "/transfers", body)

    def offer_token(self, transfer_id: str) -> str:
        """Read the approval token from the latest offer B's automation received."""
        for delivery in reversed(self.cloud.outbox):
            if delivery["topic_urn"] == B_TOPIC and delivery["protocol"] in (
                "https",
                "http",
            ):
                document = json.loads(delivery["message"])
                if (
                    document["type"] == "transfer.offered"
                    and document["transfer"]["id"] == transfer_id
                ):
                    return str(document["approval"]["token"])
        raise AssertionError(f"no offer for {transfer_id} in B's deliveries")

    def client(self, client_class: Any, account: str) -> Any:
        info = self.cloud.account(account)
        credentials = BasicCredentials(
            info.access_key, info.secret_key, info.project_id
        )
        return (
            client_class.new_builder()
            .with_credentials(credentials)
            .with_endpoints([self.url])
            .build()
        )

    def publish(self, account: str, topic_urn: str, document: dict[str, Any]) -> str:
        body = PublishMessageRequestBody(
            subject="evs-transfer", message=json.dumps(document)
        )
        response = self.client(SmnClient, account).publish_message(
            PublishMessageRequest(topic_urn=topic_urn, body=body)
        )
        return str(response.message_id)

    def volume_as(self, account: str, volume_id: str) -> Any:
        request = ShowVolumeRequest(volume_id=volume_id)
        return self.client(EvsClient, account).show_volume(request).volume

    def transfer(self, transfer_id: str) -> dict[str, Any]:
        response = self.api("GET", f"/transfers/{transfer_id}")
        assert 200 == response.status_code, response.text
        return dict(response.json()["transfer"])

    def offered(self, volume_id: str = DISK_1, **changes: Any) -> tuple[str, str]:
        """Offer a disk to account B; return the transfer id and B's approval token."""
        response = self.request_transfer(volume_id, **changes)
        assert 201 == response.status_code, response.text
        transfer_id = str(response.json()["transfer"]["id"])

        return transfer_id, self.offer_token(transfer_id)

    def decide(
        self, transfer_id: str, token: str, decision: str = "approve", **extra: Any
    ) -> requests.Response:
        body = {"decision": decision, "token": token, **extra}
        return self.api("POST", f"/transfers/{transfer_id}/approval", body)

    def cancel(self, transfer_id: str, **changes: Any) -> requests.Response:
        body = {
            "source_account": "account-a",
            "requester": "alice@account-a.example.com",
            "reason": "changed plans",
            **changes,
        }
        return self.api("POST", f"/transfers/{transfer_id}/cancel", body)

    def sweep(self) -> dict[str, int]:
        """Fire the sweep's timer once and return what it did."""
        invocation = self.cloud.fire_timer("sweep-every-10-minutes")
        assert invocation.ok, invocation.error
        return dict(invocation.result["sweep"])

    def store(self) -> TransferStore:
        """The broker's store, as the functions see it (for simulating their crashes)."""
        engine = create_store_engine(os.environ["EVS_TRANSFER_STORE_URL"])
        self.engines.append(engine)
        return TransferStore(engine)

    def close(self) -> None:
        # Read before the test's database may be dropped: the leak scan needs its rows.
        self.database_dump = leaks.database_text(os.environ["EVS_TRANSFER_STORE_URL"])
        for engine in self.engines:
            engine.dispose()

    def evs_transfer_ids(self, account: str = "broker") -> list[str]:
        project = self.cloud.account(account).project_id
        return [t.id for t in self.cloud.evs.list_transfers(project)]

    def deliveries(self, topic_urn: str) -> list[dict[str, Any]]:
        return [d for d in self.cloud.outbox if d["topic_urn"] == topic_urn]

    def operations(self) -> list[str]:
        return [call["operation"] for call in self.cloud.calls]


@pytest.fixture(autouse=True)
def no_secret_leaks(
    localcloud: LocalCloud, capsys: pytest.CaptureFixture[str], caplog: Any
) -> Iterator[None]:
    """After every test: no issued secret in any channel it must not reach."""
    caplog.set_level("DEBUG")
    LIVE_STACKS.clear()
    yield
    captured = capsys.readouterr()
    # Keep what the test printed in pytest's report.
    sys.stdout.write(captured.out)
    sys.stderr.write(captured.err)
    secrets = localcloud.issued_secrets()
    tokens = leaks.approval_tokens(localcloud)
    responses = "\n".join(
        f"{r.status_code} {dict(r.headers)} {r.text}"
        for stack in LIVE_STACKS
        for r in stack.responses
    )
    database = "\n".join(stack.database_dump for stack in LIVE_STACKS)
    # caplog.text holds only the current phase: the records of every phase are read,
    # but urllib3's, which logs the URLs the test's own clients open (an approval link
    # is its holder's).
    logged = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        for when in ("setup", "call", "teardown")
        for record in caplog.get_records(when)
        if not record.name.startswith("urllib3")
    )
    found = leaks.channels(
        localcloud, captured.out + captured.err + logged, responses, database
    )
    named = leaks.leaks(secrets, tokens, found)
    leaks.TALLY.tests += 1
    leaks.TALLY.secrets += len(secrets)
    leaks.TALLY.tokens += len(tokens)
    leaks.TALLY.characters += sum(len(text) for text, _ in found.values())
    leaks.TALLY.leaks += named
    assert [] == named


@pytest.fixture
def stack(localcloud: LocalCloud) -> Iterator[Stack]:
    stack = Stack(localcloud)
    yield stack
    stack.close()


@pytest.fixture(params=BACKENDS)
def any_store_stack(
    request: pytest.FixtureRequest, localcloud: LocalCloud, tmp_path: Path
) -> Iterator[Stack]:
    """The stack with the functions' store on SQLite, then on PostgreSQL."""
    with database(request.param, tmp_path) as url:
        world = yaml.safe_load(DEMO_WORLD.read_text(encoding="utf-8"))
        for function in world["functions"]:
            function["user_data"]["EVS_TRANSFER_STORE_URL"] = url
        localcloud.seed(world)
        stack = Stack(localcloud)
        yield stack
        stack.close()
        close_apps()  # before its database is dropped
