"""The main job, end to end, on localcloud: EVS disks move from account A to account B.

Starts ``python -m localcloud`` with the demo world (the broker is also account A), then:
A requests a transfer over HTTP, B's notification arrives, B approves through SMN, the
accept-function moves the disk, and B's own credentials prove the disk is now B's. A second
disk is approved over HTTP, a third is rejected, a fourth expires and is closed by the
sweep's timer; last comes the first transfer's audit trail. Exits non-zero as soon as a
step does not do what it should.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkevs.v2 import EvsClient, ShowVolumeRequest
from huaweicloudsdksmn.v2 import (
    PublishMessageRequest,
    PublishMessageRequestBody,
    SmnClient,
)
from pydantic import SecretStr

from evs_transfer.cli.signing import ApiCredentials
from localcloud.world import AccountSpec, World, load_world

ROOT = Path(__file__).resolve().parents[2]
WORLD_FILE = ROOT / "infra" / "localcloud" / "worlds" / "demo.yaml"
STATE_DIR = ROOT / ".state" / "demo"
HTTP_TIMEOUT = 30
SETTLE_SECONDS = 30.0


class DemoFailed(Exception):
    """A step did not do what it should."""


def step(number: int, text: str) -> None:
    """Print a step's headline."""
    print(f"\n==> {number}. {text}", flush=True)


def say(text: str) -> None:
    """Print one indented line of a step."""
    print(f"    {text}", flush=True)


def free_port() -> int:
    """Return a TCP port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]

    return port


@contextlib.contextmanager
def localcloud_server() -> Iterator[str]:
    """Run ``python -m localcloud`` with the demo world; yield its base URL."""
    port = free_port()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    for stale in STATE_DIR.glob("*.db*"):
        stale.unlink()
    log_path = STATE_DIR / "localcloud.log"
    command = [
        sys.executable,
        "-m",
        "localcloud",
        "--world",
        str(WORLD_FILE),
        "--port",
        str(port),
        "--code-root",
        str(ROOT),
        "--state-dir",
        str(STATE_DIR),
    ]
    with log_path.open("w") as log_file:
        server = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)  # noqa: S603
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_healthy(url, server)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)


def wait_until_healthy(url: str, server: subprocess.Popen[bytes]) -> None:
    """Wait for the server's health endpoint, or fail if it exits first."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise DemoFailed(
                f"localcloud exited with {server.returncode}; see {STATE_DIR}"
            )
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{url}/_localcloud/health", timeout=2).ok:
                return
        time.sleep(0.1)

    raise DemoFailed("localcloud did not become healthy in time")


class Demo:
    """The demo's steps, as account A, account B and an observer of localcloud."""

    def __init__(self, url: str, world: World) -> None:
        self.url = url
        self.world = world
        self.account_a = self._account("broker")
        self.account_b = self._account("account-b")

    def run(self) -> None:
        """Run every step; raise ``DemoFailed`` at the first that goes wrong."""
        disk = self._volume(self.account_a, "data-disk-01")
        step(
            1, f"Account A asks to move {disk['name']} ({disk['size']} GB) to account B"
        )
        transfer = self.request_transfer(
            disk["id"], reason="The data team moves to account B"
        )

        step(2, "Account B is told, through its SMN topic")
        approval = self.read_offer(transfer["id"])

        step(
            3, "Account B approves by publishing to the broker's approvals topic (SMN)"
        )
        message_id = self.publish_approval(approval)
        say(f"SMN accepted the message: message_id {message_id}")

        step(4, "SMN triggers the accept-function, which completes the EVS transfer")
        finished = self.wait_for_final_state(transfer["id"])
        say(f"transfer {finished['id']} is {finished['state']}")
        self.expect("accepted", finished["state"], "transfer state")

        step(5, "Account B's own credentials see the disk in B's project")
        self.show_ownership(disk["id"])

        second = self._volume(self.account_a, "data-disk-02")
        step(6, f"A second disk, {second['name']}, approved over HTTP this time")
        transfer = self.request_transfer(second["id"], reason="Archive disk goes too")
        approval = self.read_offer(transfer["id"], quiet=True)
        decided = self.decide_over_http(transfer["id"], approval["token"])
        say(f"POST /transfers/{transfer['id']}/approval -> {decided['state']}")
        self.expect("accepted", decided["state"], "transfer state")
        self.show_ownership(second["id"])

        self.reject(self._volume(self.account_a, "scratch-disk-05"))
        self.expire(self._volume(self.account_a, "archive-disk-06"))
        self.batch_by_tag("team", "data")
        step(10, "The audit trail of the first transfer")
        self.show_history(finished["id"])

        print(
            "\nDemo finished: 4 disks moved from account A to account B (2 of them in"
            " one batch), 1 offer rejected, 1 expired.",
            flush=True,
        )

    def batch_by_tag(self, key: str, value: str) -> None:
        """Step 9: every disk tagged key=value, offered as one batch, approved at once."""
        step(9, f"Account A moves every disk tagged {key}={value} as one batch")
        body: dict[str, Any] = {
            "tag": {"key": key, "value": value},
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "alice@account-a.example.com",
            "reason": "The data team's disks, all together",
        }
        response = self.api("POST", "/batches", body)
        say(f"POST /batches -> HTTP {response.status_code}")
        if response.status_code != 202:
            raise DemoFailed(f"the batch request was refused: {response.text}")
        batch_id = response.json()["batch"]["id"]
        batch = self.wait_for_batch(batch_id, ("queued",))
        say(f"batch {batch_id} is {batch['state']}: {batch['counts']}")
        self.expect("pending_approval", batch["state"], "batch state")

        approval = self.read_offer(batch_id)
        response = requests.post(
            f"{self.url}/apig/batches/{batch_id}/approval",
            json={"decision": "approve", "token": approval["token"]},
            timeout=HTTP_TIMEOUT,
        )
        say(f"POST /batches/{batch_id}/approval -> HTTP {response.status_code}")
        batch = self.wait_for_batch(batch_id, ("pending_approval", "accepting"))
        say(f"batch {batch_id}: {batch['counts']}")
        self.expect("accepted", ",".join(batch["counts"]), "disk states")
        for volume in batch["volumes"]:
            self.show_ownership(volume["volume_id"])

    def wait_for_batch(self, batch_id: str, states: tuple[str, ...]) -> dict[str, Any]:
        """Poll GET /batches/{id} until none of its disks is in ``states``."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            response = self.api("GET", f"/batches/{batch_id}")
            batch: dict[str, Any] = response.json()["batch"]
            if not any(batch["counts"].get(state) for state in states):
                return batch
            time.sleep(0.2)

        raise DemoFailed(f"batch {batch_id} did not settle in {SETTLE_SECONDS:.0f} s")

    def reject(self, disk: dict[str, Any]) -> None:
        """Step 7: B refuses a disk over HTTP; A is told and has its disk back."""
        step(7, f"Account B rejects {disk['name']} over HTTP")
        transfer = self.request_transfer(disk["id"], reason="Scratch space for B")
        approval = self.read_offer(transfer["id"], quiet=True)
        decided = self.decide_over_http(
            transfer["id"], approval["token"], "reject", reason="We do not need it"
        )
        say(f"POST /transfers/{transfer['id']}/approval -> {decided['state']}")
        self.expect("rejected", decided["state"], "transfer state")
        self.show_told(self.account_a, "evs-transfer-notifications-a", transfer["id"])
        self.show_back_with_a(disk["id"])

    def expire(self, disk: dict[str, Any]) -> None:
        """Step 8: nobody answers a short offer; the sweep closes it."""
        step(8, f"Nobody answers the offer of {disk['name']}: the sweep expires it")
        transfer = self.request_transfer(
            disk["id"], reason="Kept for a week", ttl_seconds=2
        )
        time.sleep(2.5)
        response = requests.post(
            f"{self.url}/_localcloud/timers/sweep-every-10-minutes/fire",
            timeout=HTTP_TIMEOUT,
        )
        invocation = response.json()["invocation"]
        say(f"the TIMER trigger ran the sweep-function: {invocation['result']}")
        state = self.transfer(transfer["id"])["state"]
        say(f"transfer {transfer['id']} is {state}")
        self.expect("expired", state, "transfer state")
        self.show_told(self.account_b, "evs-transfer-notifications", transfer["id"])
        self.show_back_with_a(disk["id"])

    def show_told(self, account: AccountSpec, topic: str, transfer_id: str) -> None:
        """Print the last e-mail a topic of ``account`` got about a transfer."""
        deliveries = requests.get(
            f"{self.url}/_localcloud/outbox",
            params={"topic_urn": self._topic_urn(account, topic), "protocol": "email"},
            timeout=HTTP_TIMEOUT,
        ).json()["deliveries"]
        about = [d for d in deliveries if transfer_id in d["message"]]
        if not about:
            raise DemoFailed(f"account {account.name} was not told of {transfer_id}")
        say(f"e-mail to {about[-1]['endpoint']}: {about[-1]['subject']}")

    def show_back_with_a(self, volume_id: str) -> None:
        """Show, with A's credentials, that the disk is A's and usable again."""
        volume = (
            self._client(EvsClient, self.account_a)
            .show_volume(ShowVolumeRequest(volume_id=volume_id))
            .volume
        )
        say(f"as account A: {volume.name} is {volume.status} again")
        self.expect("available", volume.status, "disk status")

    def show_history(self, transfer_id: str) -> None:
        """Print who did what to a transfer, from GET /transfers/{id}."""
        for event in self.transfer(transfer_id)["events"]:
            moved = f"{event['from_state'] or '-'} -> {event['to_state'] or '-'}"
            say(
                f"{event['at'][:19]}  {event['action']:<10} {moved:<30} {event['actor']}"
            )

    def request_transfer(
        self, volume_id: str, *, reason: str, **extra: Any
    ) -> dict[str, Any]:
        """POST /transfers as account A's operator."""
        body = {
            "volume_id": volume_id,
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "alice@account-a.example.com",
            "reason": reason,
            **extra,
        }
        response = self.api("POST", "/transfers", body)
        say(f"POST /transfers -> HTTP {response.status_code}")
        if response.status_code != 201:
            raise DemoFailed(f"the transfer request was refused: {response.text}")
        transfer: dict[str, Any] = response.json()["transfer"]
        say(
            f"transfer {transfer['id']} is {transfer['state']}, expires {transfer['expires_at']}"
        )

        return transfer

    def read_offer(self, transfer_id: str, *, quiet: bool = False) -> dict[str, Any]:
        """Find the offer in B's deliveries; show the e-mail with its token masked."""
        topic = self._topic_urn(self.account_b, "evs-transfer-notifications")
        deliveries = requests.get(
            f"{self.url}/_localcloud/outbox",
            params={"topic_urn": topic},
            timeout=HTTP_TIMEOUT,
        ).json()["deliveries"]
        offers = [d for d in deliveries if transfer_id in d["message"]]
        documents = [
            json.loads(d["message"]) for d in offers if d["protocol"] == "https"
        ]
        emails = [d for d in offers if d["protocol"] == "email"]
        if not documents or not emails:
            raise DemoFailed(f"no offer for transfer {transfer_id} reached account B")
        approval: dict[str, Any] = documents[0]["approval"]
        if not quiet:
            say(f"e-mail to {emails[0]['endpoint']}: {emails[0]['subject']}")
            masked = emails[0]["message"].replace(approval["token"], "<approval token>")
            for line in masked.splitlines():
                say(f"  | {line}")
            say("B's automation got the same offer as JSON over HTTPS.")

        return {"transfer_id": transfer_id, "token": approval["token"]}

    def publish_approval(self, approval: dict[str, Any]) -> str:
        """Publish B's approval to the approvals topic with B's credentials."""
        topic = self._topic_urn(self.account_a, "evs-transfer-approvals")
        client = self._client(SmnClient, self.account_b)
        message = json.dumps(
            {**approval, "decision": "approve", "approver": "bob@account-b"}
        )
        body = PublishMessageRequestBody(subject="approve", message=message)
        response = client.publish_message(
            PublishMessageRequest(topic_urn=topic, body=body)
        )

        return str(response.message_id)

    def decide_over_http(
        self, transfer_id: str, token: str, decision: str = "approve", **extra: str
    ) -> dict[str, Any]:
        """POST B's decision to the HTTP API as B's approver."""
        body = {"decision": decision, "token": token, "approver": "bob@account-b"}
        response = requests.post(
            f"{self.url}/apig/transfers/{transfer_id}/approval",
            json={**body, **extra},
            timeout=HTTP_TIMEOUT,
        )
        if response.status_code != 200:
            raise DemoFailed(f"the HTTP decision was refused: {response.text}")
        transfer: dict[str, Any] = response.json()["transfer"]

        return transfer

    def transfer(self, transfer_id: str) -> dict[str, Any]:
        """GET /transfers/{id}: the record with its history."""
        response = self.api("GET", f"/transfers/{transfer_id}")
        if response.status_code != 200:
            raise DemoFailed(f"GET /transfers/{transfer_id}: {response.text}")
        transfer: dict[str, Any] = response.json()["transfer"]

        return transfer

    def wait_for_final_state(self, transfer_id: str) -> dict[str, Any]:
        """Poll GET /transfers/{id} until the transfer leaves its open states."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            transfer = self.transfer(transfer_id)
            if transfer["state"] not in ("pending_approval", "accepting"):
                return transfer
            time.sleep(0.2)

        raise DemoFailed(
            f"transfer {transfer_id} did not finish in {SETTLE_SECONDS:.0f} s"
        )

    def show_ownership(self, volume_id: str) -> None:
        """Show the disk with B's credentials, and that A no longer sees it."""
        volume = (
            self._client(EvsClient, self.account_b)
            .show_volume(ShowVolumeRequest(volume_id=volume_id))
            .volume
        )
        owner = volume.os_vol_tenant_attrtenant_id
        say(f"as account B: {volume.name} is {volume.status}, project {owner}")
        self.expect(self._project(self.account_b), owner, "owning project")
        try:
            self._client(EvsClient, self.account_a).show_volume(
                ShowVolumeRequest(volume_id=volume_id)
            )
        except ClientRequestException as exc:
            say(
                f"as account A: HTTP {exc.status_code} {exc.error_code} (no longer A's disk)"
            )
            return

        raise DemoFailed(f"account A still sees disk {volume_id}")

    def api(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> requests.Response:
        """Call the HTTP API as account A's operator, signed for IAM authentication."""
        data = json.dumps(body).encode() if body is not None else b""
        operator = ApiCredentials(
            self.account_a.access_key, SecretStr(self.account_a.secret_key)
        )
        url, headers = operator.sign(method, f"{self.url}/apig{path}", {}, data)

        return requests.request(
            method, url, data=data or None, headers=headers, timeout=HTTP_TIMEOUT
        )

    @staticmethod
    def expect(expected: str, actual: str, what: str) -> None:
        """Fail the demo unless ``actual`` is ``expected``."""
        if expected != actual:
            raise DemoFailed(f"{what}: expected {expected!r}, got {actual!r}")

    def _client(self, client_class: Any, account: AccountSpec) -> Any:
        credentials = BasicCredentials(
            account.access_key, account.secret_key, self._project(account)
        )

        return (
            client_class.new_builder()
            .with_credentials(credentials)
            .with_endpoints([self.url])
            .build()
        )

    def _account(self, name: str) -> AccountSpec:
        for account in self.world.accounts:
            if account.name == name:
                return account

        raise DemoFailed(f"the demo world has no account {name!r}")

    def _project(self, account: AccountSpec) -> str:
        return account.projects[self.world.region]

    def _volume(self, account: AccountSpec, name: str) -> dict[str, Any]:
        for volume in account.volumes:
            if volume.name == name:
                return {"id": volume.id, "name": volume.name, "size": volume.size}

        raise DemoFailed(
            f"account {account.name} has no disk {name!r} in the demo world"
        )

    def _topic_urn(self, account: AccountSpec, name: str) -> str:
        return f"urn:smn:{self.world.region}:{self._project(account)}:{name}"


def main() -> int:
    """Run the demo; return the process exit status."""
    os.chdir(ROOT)
    world = load_world(WORLD_FILE)
    try:
        with localcloud_server() as url:
            print(f"localcloud is serving the demo world at {url}", flush=True)
            Demo(url, world).run()
    except DemoFailed as exc:
        print(f"\nDEMO FAILED: {exc}", file=sys.stderr, flush=True)
        return 1

    return 0


if __name__ == "__main__":
    sys.exit(main())
