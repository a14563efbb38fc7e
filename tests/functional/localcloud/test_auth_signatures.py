"""Signature verification and account/project scoping, through the real SDK."""

from __future__ import annotations

import json

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkevs.v2 import ListVolumesRequest, ShowVolumeRequest

from localcloud import LocalCloud
from tests.functional.localcloud.conftest import ClientFactory, http_call
from tests.functional.localcloud.demo_ids import B_PROJECT, BROKER_VOLUME


def test_signature_with_wrong_secret_key_is_refused_with_401(
    client: ClientFactory,
) -> None:
    evs = client("evs", sk="not-the-secret-key")

    with pytest.raises(ClientRequestException) as caught:
        evs.show_volume(ShowVolumeRequest(volume_id=BROKER_VOLUME))

    assert 401 == caught.value.status_code
    assert "APIGW.0301" == caught.value.error_code
    assert (
        "Incorrect IAM authentication information: verify aksk signature fail, "
        "the signature does not match"
    ) == caught.value.error_msg
    assert caught.value.request_id


def test_signature_with_unknown_access_key_is_refused_with_401(
    client: ClientFactory,
) -> None:
    evs = client("evs", ak="UNKNOWNAK00000000000")

    with pytest.raises(ClientRequestException) as caught:
        evs.show_volume(ShowVolumeRequest(volume_id=BROKER_VOLUME))

    assert 401 == caught.value.status_code
    assert "APIGW.0301" == caught.value.error_code
    assert (
        "Incorrect IAM authentication information: Get secretKey failed,err:ak not exist"
    ) == caught.value.error_msg
    assert "UNKNOWNAK" not in caught.value.error_msg


def test_refused_signature_is_in_the_call_log_without_caller(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    evs = client("evs", sk="wrong")

    with pytest.raises(ClientRequestException):
        evs.list_volumes(ListVolumesRequest())

    last = localcloud.calls[-1]
    assert ("evs", "list_volumes", 401, None) == (
        last["service"],
        last["operation"],
        last["status"],
        last["domain_id"],
    )


def test_project_of_another_account_is_forbidden(client: ClientFactory) -> None:
    evs = client("evs", "broker", project_id=B_PROJECT)

    with pytest.raises(ClientRequestException) as caught:
        evs.list_volumes(ListVolumesRequest())

    assert 403 == caught.value.status_code
    assert "EVS.5403" == caught.value.error_code
    assert "Policy check failed." == caught.value.error_msg


def test_unrouted_request_fails_loudly_naming_method_and_path(
    localcloud: LocalCloud,
) -> None:
    status, headers, body = http_call("PATCH", f"{localcloud.url}/v9/nothing/here")

    assert 404 == status
    assert "APIGW.0101" == json.loads(body)["error_code"]
    assert (
        "localcloud has no route for PATCH /v9/nothing/here"
        == json.loads(body)["error_msg"]
    )
    assert headers["X-Request-Id"]
