"""Functional: the create-function over APIG and SMN, against localcloud."""

from __future__ import annotations

import hashlib
import json
import urllib.parse

import pytest
import requests
from pydantic import SecretStr

from evs_transfer.cli.signing import ApiCredentials

from .conftest import (
    A_TOPIC,
    B_TOPIC,
    DISK_1,
    DISK_2,
    DISK_IN_USE,
    DISK_WITH_SNAPSHOT,
    REQUESTS_TOPIC,
    Stack,
)


def test_create_over_http_offers_the_disk_to_the_target(stack: Stack):
    response = stack.request_transfer(DISK_1)

    assert 201 == response.status_code, response.text
    transfer = response.json()["transfer"]
    assert "pending_approval" == transfer["state"]
    assert DISK_1 == transfer["volume_id"]
    assert "data-disk-01" == transfer["volume_name"]
    assert 100 == transfer["volume_size_gb"]
    assert "account-b" == transfer["target_account"]
    assert "auth_key" not in response.text
    assert "auth_key_ciphertext" not in transfer
    assert "awaiting-transfer" == stack.volume_as("broker", DISK_1).status
    offers = stack.deliveries(B_TOPIC)
    assert {"email", "https"} <= {d["protocol"] for d in offers}
    assert all(transfer["id"] in d["message"] for d in offers)
    assert [] == stack.deliveries(A_TOPIC)


def test_create_reports_every_broken_rule_and_creates_nothing(stack: Stack):
    response = stack.request_transfer(DISK_IN_USE)

    assert 422 == response.status_code
    error = response.json()["error"]
    assert "volume_not_eligible" == error["code"]
    assert ["volume_not_available", "volume_attached"] == [
        d["code"] for d in error["details"]
    ]
    assert {"status": "in-use"} == error["details"][0]["detail"]
    assert "cinder_create_volume_transfer" not in stack.operations()


def test_create_names_the_snapshots_of_a_disk(stack: Stack):
    response = stack.request_transfer(DISK_WITH_SNAPSHOT)

    assert 422 == response.status_code
    (detail,) = response.json()["error"]["details"]
    assert "volume_has_snapshots" == detail["code"]
    assert ["20000000-0000-4000-8000-000000000001"] == detail["detail"]["ids"]


def test_create_refuses_a_disk_that_already_has_an_open_request(stack: Stack):
    first = stack.request_transfer(DISK_1).json()["transfer"]

    response = stack.request_transfer(DISK_1)

    assert 422 == response.status_code
    codes = [d["code"] for d in response.json()["error"]["details"]]
    assert ["transfer_already_requested", "volume_transfer_pending"] == codes
    assert (
        first["id"] == response.json()["error"]["details"][0]["detail"]["transfer_id"]
    )


def test_create_refuses_an_unknown_target_account(stack: Stack):
    response = stack.request_transfer(DISK_1, target_account="account-z")

    assert 422 == response.status_code
    assert ["target_not_member"] == [
        d["code"] for d in response.json()["error"]["details"]
    ]
    assert "available" == stack.volume_as("broker", DISK_1).status


def test_create_refuses_the_source_as_target(stack: Stack):
    response = stack.request_transfer(DISK_1, target_account="account-a")

    assert 422 == response.status_code
    assert ["target_is_source"] == [
        d["code"] for d in response.json()["error"]["details"]
    ]


def test_create_refuses_a_malformed_body_naming_the_field(stack: Stack):
    response = stack.api(
        "POST", "/transfers", {"volume_id": "not-a-uuid", "requester": "x"}
    )

    assert 400 == response.status_code
    error = response.json()["error"]
    assert "invalid_request" == error["code"]
    fields = {detail["field"] for detail in error["details"]}
    assert {"volume_id", "source_account", "target_account"} == fields


def test_create_refuses_a_body_that_is_not_json(stack: Stack):
    response = stack.api("POST", "/transfers")

    assert 400 == response.status_code
    assert "invalid_request" == response.json()["error"]["code"]


def test_get_of_unknown_transfer_is_not_found(stack: Stack):
    response = stack.api("GET", "/transfers/" + "0" * 32)

    assert 404 == response.status_code
    assert "transfer_not_found" == response.json()["error"]["code"]


def test_create_over_smn_offers_the_disk(stack: Stack):
    stack.publish(
        "broker",
        REQUESTS_TOPIC,
        {
            "volume_id": DISK_1,
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "pipeline@account-a",
        },
    )

    assert stack.cloud.wait_idle(30)
    assert "awaiting-transfer" == stack.volume_as("broker", DISK_1).status
    assert any(d["protocol"] == "email" for d in stack.deliveries(B_TOPIC))


@pytest.mark.parametrize("field", ["requester", "reason", "name", "source_account"])
def test_create_refuses_nul_characters_naming_the_field(stack: Stack, field: str):
    response = stack.request_transfer(DISK_1, **{field: "a\x00b"})

    assert 400 == response.status_code
    assert field == response.json()["error"]["details"][0]["field"]


def test_transfer_path_that_names_no_possible_transfer_is_not_found(stack: Stack):
    for path in ("/transfers/a%00b", "/transfers/x/cancel"):
        method = "GET" if path.count("/") == 2 else "POST"
        response = stack.api(method, path, {} if method == "POST" else None)

        assert 404 == response.status_code, path
        assert "transfer_not_found" == response.json()["error"]["code"]


def test_create_takes_no_form_bodies(stack: Stack):
    form = urllib.parse.urlencode({"volume_id": DISK_1, "source_account": "account-a"})
    response = stack.api(
        "POST",
        "/transfers",
        raw=form.encode(),
        content_type="application/x-www-form-urlencoded",
    )

    assert 400 == response.status_code
    assert "invalid_request" == response.json()["error"]["code"]


def test_ttl_must_be_a_number_of_seconds(stack: Stack):
    response = stack.request_transfer(DISK_1, ttl_seconds=True)

    assert 400 == response.status_code


@pytest.mark.parametrize("secret_key", [None, "not-the-secret-key"])
def test_create_needs_an_iam_signature(stack: Stack, secret_key: str | None) -> None:
    body = json.dumps({"volume_id": DISK_1}).encode()
    url, headers = f"{stack.url}/apig/transfers", {"Content-Type": "application/json"}
    if secret_key is not None:
        forged = ApiCredentials(stack.operator.access_key, SecretStr(secret_key))
        url, headers = forged.sign("POST", url, {}, body)
    invoked = len(stack.cloud.invocations)

    response = requests.post(url, data=body, headers=headers, timeout=30)

    assert 401 == response.status_code
    assert "APIGW.0301" == response.json()["error_code"]
    assert invoked == len(stack.cloud.invocations)


def test_create_signature_covers_the_body_whatever_hash_is_declared(
    stack: Stack,
) -> None:
    signed = json.dumps({"volume_id": DISK_1, "dry_run": True}).encode()
    url, headers = stack.operator.sign(
        "POST", f"{stack.url}/apig/transfers", {}, signed
    )
    headers["X-Sdk-Content-Sha256"] = hashlib.sha256(signed).hexdigest()
    other = json.dumps({"volume_id": DISK_2, "dry_run": True}).encode()

    response = requests.post(url, data=other, headers=headers, timeout=30)

    assert 401 == response.status_code
    assert "APIGW.0301" == response.json()["error_code"]
