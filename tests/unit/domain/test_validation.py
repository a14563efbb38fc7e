from evs_transfer.models import Volume
from evs_transfer.validation import check_volume

from .conftest import VOLUME_ID


def volume(**changes) -> Volume:
    facts = {
        "id": VOLUME_ID,
        "name": "data",
        "status": "available",
        "size_gb": 10,
        "volume_type": "SSD",
        "project_id": "p",
        "attachment_count": 0,
        "bootable": False,
        "service_type": "EVS",
        "metadata": {},
    }
    facts.update(changes)
    return Volume(**facts)


def codes(findings) -> list[str]:
    return [finding.code for finding in findings]


def test_check_volume_passes_an_available_disk_without_snapshots():
    assert [] == check_volume(VOLUME_ID, volume(), [])


def test_check_volume_reports_a_missing_disk():
    findings = check_volume(VOLUME_ID, None, [])

    assert ["volume_not_found"] == codes(findings)
    assert {"volume_id": VOLUME_ID} == findings[0].detail


def test_check_volume_reports_every_broken_rule_at_once():
    findings = check_volume(
        VOLUME_ID, volume(status="in-use", attachment_count=1), ["s1", "s2"]
    )

    assert ["volume_not_available", "volume_attached", "volume_has_snapshots"] == codes(
        findings
    )
    assert {"status": "in-use"} == findings[0].detail
    assert {"snapshot_ids": ["s1", "s2"]} == findings[2].detail


def test_check_volume_names_a_pending_transfer():
    findings = check_volume(VOLUME_ID, volume(status="awaiting-transfer"), [])

    assert ["volume_transfer_pending"] == codes(findings)
