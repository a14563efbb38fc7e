"""CLI: an operator's session with ``evs-transfer`` against the local stack."""

from __future__ import annotations

import json

import pytest
from rich.console import Console
from typer.testing import CliRunner

from evs_transfer.cli import app
from evs_transfer.cli.common import table
from evs_transfer.models import TransferQuery
from tests.functional.transfers.conftest import DISK_1, DISK_2, Stack
from tests.functional.transfers.worlds import account, demo_world

COMMANDS = [
    "request",
    "status",
    "list",
    "approve",
    "reject",
    "cancel",
    "events",
    "batch status",
    "batch approve",
    "batch reject",
    "local token",
]


@pytest.fixture
def cli(stack: Stack, monkeypatch, tmp_path):
    monkeypatch.setenv("EVS_TRANSFER_API_URL", f"{stack.url}/apig")
    monkeypatch.setenv("EVS_TRANSFER_PROFILE_FILE", str(tmp_path / "none.toml"))
    # Account A's operator: the API takes IAM-signed calls only.
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", stack.operator.access_key)
    monkeypatch.setenv(
        "HUAWEICLOUD_SDK_SK", stack.operator.secret_key.get_secret_value()
    )
    runner = CliRunner()

    def run(*args: str, stdin: str | None = None):
        result = runner.invoke(app, list(args), input=stdin)
        assert "Traceback" not in result.output
        return result

    return run


def json_of(result) -> object:
    # The functions run in this process, and print their log lines to the same stdout.
    lines = [line for line in result.stdout.splitlines() if not line.startswith('{"')]
    return json.loads("\n".join(lines))


def test_request_dry_run_checks_and_creates_nothing(cli, stack: Stack):
    result = cli(
        "request",
        DISK_1,
        "--to",
        "account-b",
        "--from",
        "account-a",
        "--dry-run",
        "-o",
        "json",
    )

    assert 0 == result.exit_code, result.output
    assert [{"volume_id": DISK_1, "outcome": "eligible"}] == [
        {k: v[k] for k in ("volume_id", "outcome")} for v in json_of(result)
    ]
    assert "cinder_create_volume_transfer" not in stack.operations()


def fifty_disks(stack: Stack, tmp_path) -> tuple[list[str], object]:
    """Seed 50 disks in account A, the last 3 ineligible; return them and their file."""
    world = demo_world()
    broker = account(world, "broker")
    disks = [f"10000000-0000-4000-8000-0000000001{n:02d}" for n in range(50)]
    for n, disk in enumerate(disks):
        broker["volumes"].append({"id": disk, "name": f"bulk-{n:02d}", "size": 10})
    broker["volumes"][-1]["metadata"] = {"__system__encrypted": "1"}
    broker["volumes"][-2]["metadata"] = {"orderID": "o-1"}
    broker["snapshots"].append(
        {"id": "20000000-0000-4000-8000-000000000150", "volume_id": disks[-3]}
    )
    stack.cloud.seed(world)
    ids = tmp_path / "disks.txt"
    ids.write_text("\n".join(disks) + "\n", encoding="utf-8")
    return disks, ids


def test_bulk_request_of_fifty_disks_gives_each_its_own_verdict(cli, stack, tmp_path):
    disks, ids = fifty_disks(stack, tmp_path)

    result = cli(
        "request",
        "--file",
        str(ids),
        "--to",
        "account-b",
        "--from",
        "account-a",
        "--reason",
        "team moved",
        "--separately",
        "--concurrency",
        "6",
        "-o",
        "json",
    )

    verdicts = json_of(result)
    assert 1 == result.exit_code  # some disks were refused
    assert disks == [v["volume_id"] for v in verdicts]
    assert 47 == sum(v["outcome"] == "offered" for v in verdicts)
    refused = {
        v["volume_id"]: v["codes"] for v in verdicts if v["outcome"] == "refused"
    }
    assert {
        disks[-3]: ["volume_has_snapshots"],
        disks[-2]: ["volume_prepaid"],
        disks[-1]: ["volume_encrypted"],
    } == refused


def test_batch_of_fifty_disks_is_offered_once_and_approved_once(cli, stack, tmp_path):
    disks, ids = fifty_disks(stack, tmp_path)
    requested = cli(
        "request", "--file", str(ids), "--to", "account-b", "--from", "account-a",
        "--reason", "team moved", "-o", "json",
    )  # fmt: skip
    batch = json_of(requested)
    token = next(
        json.loads(d["message"])["approval"]["token"]
        for d in stack.cloud.outbox
        if d["protocol"] == "https" and '"batch.offered"' in d["message"]
    )

    approved = cli("batch", "approve", batch["id"], "-o", "json", stdin=token + "\n")

    refused = {v["volume_id"]: v["failure_reason"] for v in batch["volumes"]}
    assert 1 == requested.exit_code  # some disks were refused
    assert {"pending_approval": 47, "refused": 3} == batch["counts"]
    assert "volume_has_snapshots" == refused[disks[-3]]
    assert "volume_prepaid" == refused[disks[-2]]
    assert "volume_encrypted" == refused[disks[-1]]
    assert 0 == approved.exit_code, approved.output
    assert {"accepted": 47, "refused": 3} == json_of(approved)["counts"]


def test_batch_by_tag_in_a_table(cli, stack):
    result = cli(
        "request", "--tag", "team=data", "--to", "account-b", "--from", "account-a"
    )

    assert 0 == result.exit_code, result.output
    assert "2 pending_approval" in result.stdout
    assert "10000000-0000-4000-8000-000000000005" in result.stdout


def test_batch_tag_with_disk_ids_is_a_usage_error(cli):
    result = cli(
        "request", DISK_1, "--tag", "team=data", "--to", "account-b", "--from", "a"
    )

    assert 2 == result.exit_code
    assert "--tag" in result.output


def test_operator_follows_and_approves_a_transfer_from_the_terminal(cli, stack):
    offered = cli(
        "request", DISK_1, "--to", "account-b", "--from", "account-a", "-o", "json"
    )
    transfer_id = json_of(offered)[0]["transfer_id"]
    token = stack.offer_token(transfer_id)

    listed = cli("list", "--state", "pending_approval", "-o", "json")
    shown = cli("status", transfer_id)
    approved = cli("approve", transfer_id, "--approver", "bob", stdin=token + "\n")
    trail = cli("events", transfer_id, "-o", "json")

    assert 0 == offered.exit_code
    assert [transfer_id] == [t["id"] for t in json_of(listed)]
    assert "pending_approval" in shown.stdout
    assert 0 == approved.exit_code, approved.output
    assert f"transfer {transfer_id} is accepted" in approved.stdout
    assert ["created", "approved", "accepted"] == [e["action"] for e in json_of(trail)]


def test_reject_reads_the_token_from_a_file(cli, stack, tmp_path):
    transfer_id, token = stack.offered(DISK_2)
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n", encoding="utf-8")

    result = cli(
        "reject", transfer_id, "--reason", "not ours", "--token-file", str(token_file)
    )

    assert 0 == result.exit_code, result.output
    assert "rejected" in result.stdout


def test_cancel_then_cancel_an_accepted_transfer_names_the_state(cli, stack):
    cancelled_id, _ = stack.offered(DISK_1)
    accepted_id, token = stack.offered(DISK_2)
    stack.decide(accepted_id, token)

    cancelled = cli("cancel", cancelled_id, "--from", "account-a", "--reason", "oops")
    too_late = cli("cancel", accepted_id, "--from", "account-a")

    assert 0 == cancelled.exit_code
    assert "cancelled" in cancelled.stdout
    assert 1 == too_late.exit_code
    assert "invalid_state" in too_late.stderr
    assert "current state: accepted" in too_late.stderr


def test_errors_have_their_exit_codes_and_no_traceback(cli, stack):
    transfer_id, _ = stack.offered(DISK_1)

    denied = cli("approve", transfer_id, stdin="w" * 43 + "\n")
    missing = cli("status", "0" * 32)
    down = cli("status", "0" * 32, "--url", "http://127.0.0.1:9")

    assert (4, 3, 5) == (denied.exit_code, missing.exit_code, down.exit_code)
    assert "invalid_approval_token" in denied.stderr
    assert "transfer_not_found" in missing.stderr
    assert "api_unreachable" in down.stderr


def test_the_token_is_never_an_argument(cli, stack):
    transfer_id, token = stack.offered(DISK_1)

    result = cli("approve", transfer_id, "--token", token)

    assert 2 == result.exit_code
    assert "pending_approval" == stack.transfer(transfer_id)["state"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_explains_itself_with_an_example(cli, command):
    result = cli(*command.split(), "--help")

    assert 0 == result.exit_code
    assert "Example: evs-transfer" in result.stdout


def test_profile_supplies_the_url_and_the_source(cli, stack, monkeypatch, tmp_path):
    profile = tmp_path / "profile.toml"
    profile.write_text(
        f'[ops]\nurl = "{stack.url}/apig"\nsource_account = "account-a"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("EVS_TRANSFER_API_URL")
    monkeypatch.setenv("EVS_TRANSFER_PROFILE_FILE", str(profile))
    monkeypatch.setenv("EVS_TRANSFER_PROFILE", "ops")

    result = cli("request", DISK_1, "--to", "account-b", "--dry-run", "-o", "json")

    assert 0 == result.exit_code, result.output
    assert "eligible" == json_of(result)[0]["outcome"]


def test_calls_without_credentials_are_denied_by_the_gateway(cli, monkeypatch):
    monkeypatch.delenv("HUAWEICLOUD_SDK_AK")

    result = cli("list")

    assert 4 == result.exit_code
    assert "APIGW.0301" in result.stderr


def test_credentials_come_from_the_profile_too(cli, stack, monkeypatch, tmp_path):
    profile = tmp_path / "profile.toml"
    operator = stack.operator
    profile.write_text(
        f'[default]\naccess_key = "{operator.access_key}"\n'
        f'secret_key = "{operator.secret_key.get_secret_value()}"\n',
        encoding="utf-8",
    )
    monkeypatch.delenv("HUAWEICLOUD_SDK_AK")
    monkeypatch.delenv("HUAWEICLOUD_SDK_SK")
    monkeypatch.setenv("EVS_TRANSFER_PROFILE_FILE", str(profile))

    result = cli("list", "-o", "json")

    assert 0 == result.exit_code, result.output


def test_local_up_is_documented(cli):
    result = cli("local", "up", "--help")

    assert "Example: evs-transfer local up" in result.stdout


def test_ttl_is_a_duration(cli):
    result = cli(
        "request", DISK_1, "--to", "account-b", "--from", "account-a", "--ttl", "soon"
    )

    assert 2 == result.exit_code
    assert "duration" in result.output


def test_ids_stay_whole_in_a_narrow_terminal(cli, stack):
    result = cli("request", DISK_1, "--to", "account-b", "--from", "account-a")

    transfer_id = stack.store().find(TransferQuery())[0].id
    assert 0 == result.exit_code, result.output
    assert transfer_id in result.stdout
    assert DISK_1 in result.stdout


def test_local_token_saves_the_offer_token_without_printing_it(cli, stack, tmp_path):
    transfer_id, token = stack.offered(DISK_1)
    saved = tmp_path / "token.txt"

    result = cli("local", "token", transfer_id, "--to-file", str(saved))
    approved = cli("approve", transfer_id, "--token-file", str(saved))

    assert 0 == result.exit_code, result.output
    assert token == saved.read_text(encoding="utf-8").strip()
    assert 0o600 == saved.stat().st_mode & 0o777
    assert token not in result.output
    assert 0 == approved.exit_code, approved.output


def test_local_token_of_an_unknown_offer_is_a_usage_error(cli, tmp_path):
    result = cli("local", "token", "0" * 32, "--to-file", str(tmp_path / "t"))

    assert 2 == result.exit_code
    assert "no offer" in result.output


def test_local_token_narrows_an_open_file_and_refuses_a_link(cli, stack, tmp_path):
    transfer_id, token = stack.offered(DISK_1)
    loose = tmp_path / "loose"
    loose.write_text("old", encoding="utf-8")
    loose.chmod(0o644)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "elsewhere")

    written = cli("local", "token", transfer_id, "--to-file", str(loose))
    linked = cli("local", "token", transfer_id, "--to-file", str(link))

    assert 0 == written.exit_code, written.output
    assert 0o600 == loose.stat().st_mode & 0o777
    assert token == loose.read_text(encoding="utf-8").strip()
    assert 2 == linked.exit_code
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("approve", "0" * 32, "--token-file", "/nonexistent/token"),
        ("request", "--file", "/nonexistent/disks", "--to", "account-b"),
    ],
)
def test_missing_files_are_usage_errors(cli, args):
    result = cli(*args)

    assert 2 == result.exit_code
    assert "/nonexistent/" in result.output


@pytest.mark.parametrize(
    "text", ["[default\nurl=", "default = 1\n", "[default]\nurl = 5\n"]
)
def test_a_broken_profile_is_a_usage_error(cli, monkeypatch, tmp_path, text):
    profile = tmp_path / "profile.toml"
    profile.write_text(text, encoding="utf-8")
    monkeypatch.setenv("EVS_TRANSFER_PROFILE_FILE", str(profile))

    result = cli("list")

    assert 2 == result.exit_code
    assert "profile" in result.output


def test_batch_approve_that_moved_nothing_is_not_done(cli, stack):
    requested = cli(
        "request", DISK_1, DISK_2, "--to", "account-b", "--from", "account-a",
        "--ttl", "1s", "-o", "json",
    )  # fmt: skip
    batch_id = json_of(requested)["id"]
    token = next(
        json.loads(d["message"])["approval"]["token"]
        for d in stack.cloud.outbox
        if d["protocol"] == "https" and '"batch.offered"' in d["message"]
    )
    for volume in json_of(requested)["volumes"]:
        stack.decide(volume["transfer_id"], token, "reject")

    approved = cli("batch", "approve", batch_id, stdin=token + "\n")

    assert 1 == approved.exit_code
    assert "invalid_state" in approved.output


def test_rows_never_cut_an_id_in_a_narrow_terminal():
    console = Console(width=30, soft_wrap=True, record=True)
    rows = table("disk", "transfer", "why")
    rows.add_row(DISK_1, "8c436f6f05064a1b9f2e3d4c5b6a7980", "x")

    console.print(rows)

    printed = console.export_text()
    assert f"disk: {DISK_1}" in printed
    assert "transfer: 8c436f6f05064a1b9f2e3d4c5b6a7980" in printed
