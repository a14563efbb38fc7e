import json

import pytest
from pydantic import ValidationError

from evs_transfer.config import Settings
from evs_transfer.errors import UnknownAccount

from .conftest import BROKER_DOMAIN, BROKER_PROJECT, TARGET_DOMAIN, TARGET_PROJECT


def test_settings_read_members_from_the_environment(monkeypatch):
    members = [
        {
            "name": "account-a",
            "domain_id": BROKER_DOMAIN,
            "project_ids": {"cn-north-4": BROKER_PROJECT},
        },
        {
            "name": "account-b",
            "domain_id": TARGET_DOMAIN,
            "project_ids": {"cn-north-4": TARGET_PROJECT},
            "agency_name": "evs-transfer-broker",
        },
    ]
    environment = {
        "EVS_TRANSFER_REGION": "cn-north-4",
        "EVS_TRANSFER_BROKER_DOMAIN_ID": BROKER_DOMAIN,
        "EVS_TRANSFER_BROKER_PROJECT_ID": BROKER_PROJECT,
        "EVS_TRANSFER_KMS_KEY_ID": "key",
        "EVS_TRANSFER_APPROVALS_TOPIC_URN": f"urn:smn:cn-north-4:{BROKER_PROJECT}:approvals",
        "EVS_TRANSFER_MEMBERS": json.dumps(members),
        "EVS_TRANSFER_ENDPOINTS": '{"evs": "http://127.0.0.1:1"}',
    }
    for key, value in environment.items():
        monkeypatch.setenv(key, value)

    settings = Settings()  # type: ignore[call-arg]

    assert "evs-transfer-broker" == settings.member("account-b").agency_name
    assert settings.member(TARGET_DOMAIN) == settings.member("account-b")
    assert {"evs": "http://127.0.0.1:1"} == settings.endpoints
    assert settings.is_broker(settings.member("account-a"))


def test_settings_member_refuses_unknown_account(settings):
    with pytest.raises(UnknownAccount) as caught:
        settings.member("account-z")

    assert "account 'account-z' is not a configured member" == caught.value.message


def test_settings_refuse_duplicate_members(settings):
    data = settings.model_dump()
    data["members"] = [data["members"][0], data["members"][0]]

    with pytest.raises(ValidationError, match="unique names"):
        Settings(**data)


def test_member_project_id_refuses_unknown_region(settings):
    with pytest.raises(
        UnknownAccount, match="no project configured in region 'eu-west-101'"
    ):
        settings.member("account-a").project_id("eu-west-101")
