"""Functional: every transfer rule, checked before EVS is asked, against localcloud.

Each world has exactly one violation; the answer names its code and the value found. A last
group shows dry runs, races with EVS, unreadable facts and the calls the checks cost.
"""

from __future__ import annotations

import json

import pytest

from localcloud.evs.models import Snapshot, Volume

from .conftest import A_TOPIC, DISK_1, REQUESTS_TOPIC, Stack
from .worlds import SUBJECT, account, demo_world, with_backup, with_disk

SERVER = "40000000-0000-4000-8000-000000000099"
A_PROJECT = "a1000000000000000000000000000001"
B_PROJECT = "b1000000000000000000000000000001"


def refusal(stack: Stack, world: dict, **request) -> dict:
    stack.cloud.seed(world)
    response = stack.request_transfer(request.pop("volume_id", SUBJECT), **request)
    assert 422 == response.status_code, response.text
    return dict(response.json()["error"])


def codes(error: dict) -> list[str]:
    return [
        detail["code"] for detail in error["details"] if detail["severity"] == "error"
    ]


def test_rule_disk_exists(stack: Stack):
    error = refusal(stack, demo_world(), volume_id=SUBJECT)

    assert ["volume_not_found"] == codes(error)
    assert {"volume_id": SUBJECT} == error["details"][0]["detail"]


@pytest.mark.parametrize("status", ["error", "creating", "extending"])
def test_rule_disk_is_available(stack: Stack, status: str):
    error = refusal(stack, with_disk(status=status))

    assert ["volume_not_available"] == codes(error)
    assert {"status": status} == error["details"][0]["detail"]


def test_rule_disk_has_no_attachments(stack: Stack):
    world = with_disk(
        status="in-use", attachments=[{"server_id": SERVER, "device": "/dev/vdb"}]
    )
    account(world, "broker").setdefault("servers", []).append(
        {"id": SERVER, "name": "app-1"}
    )

    error = refusal(stack, world)

    assert ["volume_not_available", "volume_attached"] == codes(error)
    assert {"server_ids": [SERVER]} == error["details"][1]["detail"]


def test_rule_disk_is_not_a_system_disk(stack: Stack):
    attachment = {"server_id": SERVER, "device": "/dev/vda", "boot_index": 0}
    world = with_disk(status="in-use", bootable="true", attachments=[attachment])
    account(world, "broker").setdefault("servers", []).append(
        {"id": SERVER, "name": "app-1"}
    )

    error = refusal(stack, world)

    assert "volume_is_system_disk" in codes(error)
    system = next(d for d in error["details"] if d["code"] == "volume_is_system_disk")
    assert {"server_id": SERVER, "device": "/dev/vda"} == system["detail"]


def test_rule_bootable_unattached_disk_passes_with_a_warning(stack: Stack):
    stack.cloud.seed(with_disk(bootable="true"))

    response = stack.request_transfer(SUBJECT)

    assert 201 == response.status_code, response.text
    findings = response.json()["transfer"]["findings"]
    assert [("volume_bootable", "warning")] == [
        (f["code"], f["severity"]) for f in findings
    ]


def test_rule_disk_has_no_snapshots(stack: Stack):
    world = with_disk()
    snapshots = account(world, "broker")["snapshots"]
    snapshots.append(
        {"id": "20000000-0000-4000-8000-000000000098", "volume_id": SUBJECT}
    )
    snapshots.append(
        {
            "id": "20000000-0000-4000-8000-000000000099",
            "volume_id": SUBJECT,
            "name": "autobk_snapshot_vbs_1",
            "status": "creating",
        }
    )

    error = refusal(stack, world)

    assert ["volume_has_snapshots"] == codes(error)
    assert 2 == error["details"][0]["detail"]["count"]


def test_rule_disk_has_no_cbr_backups(stack: Stack):
    backup_id = "50000000-0000-4000-8000-000000000001"
    world = with_backup(with_disk(), backup_id)

    error = refusal(stack, world)

    assert ["volume_has_backups"] == codes(error)
    assert [backup_id] == error["details"][0]["detail"]["ids"]


def test_rule_disk_is_in_no_backup_vault(stack: Stack):
    world = with_disk()
    broker = account(world, "broker")
    broker["policies"] = [
        {"id": "70000000-0000-4000-8000-000000000001", "name": "nightly"}
    ]
    broker["vaults"] = [
        {
            "id": "60000000-0000-4000-8000-000000000001",
            "name": "disk-vault",
            "resources": [SUBJECT],
            "policy_ids": ["70000000-0000-4000-8000-000000000001"],
        }
    ]

    error = refusal(stack, world)

    assert ["volume_in_backup_vault"] == codes(error)
    detail = error["details"][0]["detail"]
    assert "disk-vault" == detail["vault_name"]
    assert ["nightly (70000000-0000-4000-8000-000000000001)"] == detail["policies"]


def test_rule_disk_is_not_encrypted(stack: Stack):
    key = "30000000-0000-4000-8000-000000000077"
    world = with_disk(metadata={"__system__encrypted": "1", "__system__cmkid": key})

    error = refusal(stack, world)

    assert ["volume_encrypted"] == codes(error)
    assert {"kms_key_id": key} == error["details"][0]["detail"]


def test_rule_disk_is_not_prepaid(stack: Stack):
    error = refusal(stack, with_disk(metadata={"orderID": "CS2612031200ABCDE"}))

    assert ["volume_prepaid"] == codes(error)
    assert {"order_id": "CS2612031200ABCDE"} == error["details"][0]["detail"]


@pytest.mark.parametrize("service_type", ["DSS", "DESS"])
def test_rule_disk_is_not_on_dedicated_storage(stack: Stack, service_type: str):
    error = refusal(stack, with_disk(service_type=service_type))

    assert ["volume_on_dedicated_storage"] == codes(error)
    assert service_type == error["details"][0]["detail"]["service_type"]


def test_rule_target_is_a_member(stack: Stack):
    error = refusal(stack, with_disk(), target_account="account-z")

    assert ["target_not_member"] == codes(error)


def test_rule_target_is_not_the_source(stack: Stack):
    error = refusal(stack, with_disk(), target_account="account-a")

    assert ["target_is_source"] == codes(error)


def test_rule_no_open_request_for_the_disk(stack: Stack):
    stack.cloud.seed(with_disk())
    first = stack.request_transfer(SUBJECT).json()["transfer"]

    error = stack.request_transfer(SUBJECT).json()["error"]

    assert ["transfer_already_requested", "volume_transfer_pending"] == codes(error)
    assert first["id"] == error["details"][0]["detail"]["transfer_id"]


def test_rule_target_has_quota_for_one_more_disk(stack: Stack):
    world = with_disk(size=500)
    account(world, "account-b")["quotas"] = {"volumes": 10, "gigabytes": 300}

    error = refusal(stack, world)

    assert ["target_quota_exceeded"] == codes(error)
    assert {"quota": "gigabytes", "room": 300, "needed": 500} == error["details"][0][
        "detail"
    ]


def test_rule_quota_is_checked_again_before_accepting(stack: Stack):
    world = with_disk()
    account(world, "account-b")["quotas"] = {"volumes": 1, "gigabytes": 1000}
    stack.cloud.seed(world)
    transfer_id = stack.request_transfer(SUBJECT).json()["transfer"]["id"]
    token = stack.offer_token(transfer_id)
    stack.cloud.evs.add_volume(
        Volume(
            id="10000000-0000-4000-8000-000000000098",
            name="b",
            project_id=B_PROJECT,
            user_id="b-user",
            size=1,
        )
    )

    response = stack.api(
        "POST",
        f"/transfers/{transfer_id}/approval",
        {"decision": "approve", "token": token},
    )

    assert 409 == response.status_code, response.text
    error = response.json()["error"]
    assert "target_quota_exceeded" == error["code"]
    assert {"quota": "volumes", "room": 0, "needed": 1} == error["details"][0]["detail"]
    assert "pending_approval" == stack.transfer(transfer_id)["state"]
    assert "awaiting-transfer" == stack.volume_as("broker", SUBJECT).status


def test_rule_transfer_name_fits_evs(stack: Stack):
    error = refusal(stack, with_disk(), name="n" * 65)

    assert ["transfer_name_too_long"] == codes(error)
    assert {"length": 65, "limit": 64} == error["details"][0]["detail"]


def test_every_violation_is_reported_at_once(stack: Stack):
    world = with_disk(
        status="error",
        service_type="DSS",
        metadata={"__system__encrypted": "1", "orderID": "o-1"},
    )
    account(world, "broker")["snapshots"].append(
        {"id": "20000000-0000-4000-8000-000000000098", "volume_id": SUBJECT}
    )
    with_backup(world, "50000000-0000-4000-8000-000000000001")

    error = refusal(stack, world, target_account="account-a", name="n" * 70)

    assert [
        "target_is_source",
        "transfer_name_too_long",
        "volume_not_available",
        "volume_has_snapshots",
        "volume_has_backups",
        "volume_encrypted",
        "volume_prepaid",
        "volume_on_dedicated_storage",
    ] == codes(error)
    assert error["transfer_id"]


def test_refusal_is_recorded(stack: Stack):
    error = refusal(stack, with_disk(status="error"))

    transfer = stack.transfer(error["transfer_id"])

    assert "refused" == transfer["state"]
    assert "volume_not_available" == transfer["failure_reason"]
    assert ["volume_not_available"] == [f["code"] for f in transfer["findings"]]


def test_dry_run_reports_findings_and_creates_nothing(stack: Stack):
    stack.cloud.seed(with_disk(metadata={"orderID": "o-1"}))

    response = stack.request_transfer(SUBJECT, dry_run=True)

    assert 200 == response.status_code, response.text
    body = response.json()
    assert body["dry_run"] is True
    assert body["eligible"] is False
    assert ["volume_prepaid"] == [f["code"] for f in body["findings"]]
    assert "cinder_create_volume_transfer" not in stack.operations()
    assert "available" == stack.volume_as("broker", SUBJECT).status


def test_dry_run_of_an_eligible_disk_creates_nothing(stack: Stack):
    response = stack.request_transfer(DISK_1, dry_run=True)

    assert 200 == response.status_code
    assert {"dry_run": True, "eligible": True, "findings": []} == response.json()
    assert "cinder_create_volume_transfer" not in stack.operations()
    assert "encrypt_data" not in stack.operations()
    assert [] == stack.cloud.outbox


def test_dry_run_costs_one_read_per_fact(stack: Stack):
    stack.request_transfer(DISK_1, dry_run=True)

    assert [
        "show_volume",
        "list_snapshots",
        "list_backups",
        "list_vault",
        "create_temporary_access_key_by_agency",
        "cinder_list_quotas",
    ] == stack.operations()


def test_snapshot_taken_after_the_checks_is_named_from_the_evs_error(stack: Stack):
    def snapshot_appears() -> None:
        stack.cloud.evs.add_snapshot(
            Snapshot(
                id="20000000-0000-4000-8000-000000000097",
                volume_id=DISK_1,
                project_id=A_PROJECT,
            )
        )

    stack.cloud.before("cinder_create_volume_transfer", snapshot_appears)

    response = stack.request_transfer(DISK_1)

    assert 422 == response.status_code
    error = response.json()["error"]
    assert ["evs_refused"] == codes(error)
    assert error["details"][0]["detail"]["error_code"]
    assert "refused" == stack.transfer(error["transfer_id"])["state"]
    assert "available" == stack.volume_as("broker", DISK_1).status
    assert [] == stack.cloud.outbox


def test_unreachable_cbr_is_a_reason_not_a_pass(stack: Stack):
    stack.cloud.add_fault(operation="list_backups", kind="status", status=503)

    response = stack.request_transfer(DISK_1)

    assert 422 == response.status_code
    error = response.json()["error"]
    assert ["check_unavailable"] == codes(error)
    detail = error["details"][0]["detail"]
    assert ("backups", "cbr", 503) == (
        detail["check"],
        detail["service"],
        detail["http_status"],
    )
    assert "cinder_create_volume_transfer" not in stack.operations()


def test_refused_smn_request_is_recorded_and_told_to_the_requester(stack: Stack):
    stack.cloud.seed(with_disk(metadata={"orderID": "o-1"}))
    request = {
        "volume_id": SUBJECT,
        "source_account": "account-a",
        "target_account": "account-b",
        "requester": "pipeline@account-a",
    }

    stack.publish("broker", REQUESTS_TOPIC, request)
    assert stack.cloud.wait_idle(30)

    (told,) = [d for d in stack.deliveries(A_TOPIC) if d["protocol"] == "email"]
    assert "cannot be transferred" in told["subject"]
    assert "volume_prepaid" in told["message"]
    transfer_id = told["message"].rsplit("Request: ", 1)[1].strip()
    transfer = stack.transfer(transfer_id)
    assert "refused" == transfer["state"]
    assert json.dumps(transfer)  # the record is readable over HTTP
