import pytest

from evs_transfer.inspection import BootDevice, DiskFacts, Unavailable
from evs_transfer.models import Attachment, CbrVault, Quota, QuotaUsage, Volume
from evs_transfer.validation import (
    check_disk,
    errors_of,
    name_findings,
    target_findings,
)

from .conftest import VOLUME_ID


def volume(**changes) -> Volume:
    facts = {
        "id": VOLUME_ID,
        "name": "data",
        "status": "available",
        "size_gb": 10,
        "volume_type": "SSD",
        "project_id": "p",
        "bootable": False,
        "service_type": "EVS",
        "metadata": {},
    }
    facts.update(changes)
    return Volume(**facts)


def facts(**changes) -> DiskFacts:
    values = {"volume_id": VOLUME_ID, "volume": volume()}
    values.update(changes)
    return DiskFacts(**values)


def codes(findings) -> list[str]:
    return [finding.code for finding in findings]


def unavailable(check: str) -> Unavailable:
    return Unavailable(check, "cbr", "ListBackups", 503, "503")


def test_check_disk_passes_an_eligible_disk():
    assert [] == check_disk(facts())


def test_check_disk_reports_a_missing_disk():
    findings = check_disk(facts(volume=None))

    assert ["volume_not_found"] == codes(findings)
    assert {"volume_id": VOLUME_ID} == findings[0].detail


@pytest.mark.parametrize(
    ("changes", "code", "detail"),
    [
        (
            {"volume": volume(status="error")},
            "volume_not_available",
            {"status": "error"},
        ),
        (
            {"volume": volume(status="awaiting-transfer")},
            "volume_transfer_pending",
            {"status": "awaiting-transfer"},
        ),
        ({"snapshot_ids": ["s1"]}, "volume_has_snapshots", {"ids": ["s1"], "count": 1}),
        (
            {"backup_ids": ["b1", "b2"]},
            "volume_has_backups",
            {"ids": ["b1", "b2"], "count": 2},
        ),
        (
            {"vaults": [CbrVault(id="v1", name="daily", policies=("nightly (p1)",))]},
            "volume_in_backup_vault",
            {"vault_id": "v1", "vault_name": "daily", "policies": ["nightly (p1)"]},
        ),
        (
            {
                "volume": volume(
                    metadata={"__system__encrypted": "1", "__system__cmkid": "k1"}
                )
            },
            "volume_encrypted",
            {"kms_key_id": "k1"},
        ),
        (
            {"volume": volume(metadata={"orderID": "o-1"})},
            "volume_prepaid",
            {"order_id": "o-1"},
        ),
        (
            {"volume": volume(service_type="DSS", dedicated_storage_id="d1")},
            "volume_on_dedicated_storage",
            {"service_type": "DSS", "dedicated_storage_id": "d1"},
        ),
        (
            {"target_quota": Quota(volumes=QuotaUsage(limit=10, in_use=10))},
            "target_quota_exceeded",
            {"quota": "volumes", "room": 0, "needed": 1},
        ),
        (
            {
                "target_quota": Quota(
                    gigabytes_by_type={"SSD": QuotaUsage(limit=15, in_use=6)}
                )
            },
            "target_quota_exceeded",
            {"quota": "gigabytes_SSD", "room": 9, "needed": 10},
        ),
    ],
)
def test_check_disk_reports_each_rule_with_its_detail(changes, code, detail):
    findings = check_disk(facts(**changes))

    assert [code] == codes(findings)
    assert detail == findings[0].detail


def test_check_disk_names_the_server_of_a_system_disk():
    attached = volume(
        status="in-use", attachments=(Attachment(server_id="srv", device="/dev/vda"),)
    )
    devices = [BootDevice(server_id="srv", device="/dev/vda", boot_index=0)]

    findings = check_disk(facts(volume=attached, boot_devices=devices))

    assert [
        "volume_not_available",
        "volume_attached",
        "volume_is_system_disk",
    ] == codes(findings)
    assert {"server_id": "srv", "device": "/dev/vda"} == findings[2].detail


def test_check_disk_warns_about_a_bootable_unattached_disk():
    findings = check_disk(facts(volume=volume(bootable=True)))

    assert ["volume_bootable"] == codes(findings)
    assert [] == errors_of(findings)


def test_check_disk_reports_every_broken_rule_at_once():
    findings = check_disk(
        facts(
            volume=volume(status="in-use", metadata={"orderID": "o"}),
            snapshot_ids=["s"],
            backup_ids=["b"],
        )
    )

    assert [
        "volume_not_available",
        "volume_has_snapshots",
        "volume_has_backups",
        "volume_prepaid",
    ] == codes(findings)


def test_check_disk_turns_an_unreadable_fact_into_check_unavailable():
    findings = check_disk(facts(backup_ids=unavailable("backups")))

    assert ["check_unavailable"] == codes(findings)
    assert "backups" == findings[0].detail["check"]
    assert 503 == findings[0].detail["http_status"]


def test_check_disk_of_an_unreadable_disk_says_so():
    findings = check_disk(facts(volume=unavailable("volume")))

    assert ["check_unavailable"] == codes(findings)


def test_target_findings_name_an_unknown_and_a_same_target():
    assert ["target_not_member"] == codes(target_findings("a", None, "z"))
    assert ["target_is_source"] == codes(target_findings("a", "a", "a"))
    assert [] == target_findings("a", "b", "b")


def test_name_findings_enforce_the_evs_limit():
    assert [] == name_findings("n" * 64)
    assert ["transfer_name_too_long"] == codes(name_findings("n" * 65))
