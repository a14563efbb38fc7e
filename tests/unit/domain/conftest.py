"""Fixtures for the domain's unit tests: settings and records built in memory."""

from __future__ import annotations

import pytest

from evs_transfer.config import MemberAccount, Settings
from evs_transfer.models import TransferRecord
from tests.records import pending_record

BROKER_DOMAIN = "a" * 32
BROKER_PROJECT = "b" * 32
TARGET_DOMAIN = "c" * 32
TARGET_PROJECT = "d" * 32
VOLUME_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


@pytest.fixture
def settings() -> Settings:
    return Settings(
        region="cn-north-4",
        broker_domain_id=BROKER_DOMAIN,
        broker_project_id=BROKER_PROJECT,
        kms_key_id="0d0466b0-e727-4d9c-b35d-f84bb474a37f",
        approvals_topic_urn=f"urn:smn:cn-north-4:{BROKER_PROJECT}:evs-transfer-approvals",
        api_url="https://api.example.com/v1",
        members=(
            MemberAccount(
                name="account-a",
                domain_id=BROKER_DOMAIN,
                project_ids={"cn-north-4": BROKER_PROJECT},
            ),
            MemberAccount(
                name="account-b",
                domain_id=TARGET_DOMAIN,
                project_ids={"cn-north-4": TARGET_PROJECT},
                agency_name="evs-transfer-broker",
                notification_topic_urn=f"urn:smn:cn-north-4:{TARGET_PROJECT}:notifications",
            ),
        ),
    )


@pytest.fixture
def record() -> TransferRecord:
    return pending_record(
        source_project_id=BROKER_PROJECT, target_project_id=TARGET_PROJECT
    )
