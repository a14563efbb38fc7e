"""IAM temporary credentials through agencies, through the real SDK."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkevs.v2 import ListVolumesRequest, ShowVolumeRequest
from huaweicloudsdkiam.v3 import (
    AgencyAuth,
    AgencyAuthIdentity,
    CreateTemporaryAccessKeyByAgencyRequest,
    CreateTemporaryAccessKeyByAgencyRequestBody,
    IdentityAssumerole,
)

from localcloud import LocalCloud
from tests.functional.localcloud.conftest import ClientFactory
from tests.functional.localcloud.demo_ids import B_PROJECT, BROKER_VOLUME

B_DOMAIN = "b0000000000000000000000000000001"
BROKER_DOMAIN = "a0000000000000000000000000000001"


def _assume(
    iam: Any, agency: str, *, domain_id: str | None = None, **extra: Any
) -> Any:
    role = IdentityAssumerole(agency_name=agency, domain_id=domain_id, **extra)
    identity = AgencyAuthIdentity(methods=["assume_role"], assume_role=role)
    body = CreateTemporaryAccessKeyByAgencyRequestBody(
        auth=AgencyAuth(identity=identity)
    )
    return iam.create_temporary_access_key_by_agency(
        CreateTemporaryAccessKeyByAgencyRequest(body=body)
    )


def _error(
    caught: pytest.ExceptionInfo[ClientRequestException],
) -> tuple[int, Any, str]:
    return caught.value.status_code, caught.value.error_code, caught.value.error_msg


def test_assume_role_credentials_act_in_delegating_account(
    client: ClientFactory,
) -> None:
    before = dt.datetime.now(dt.timezone.utc)

    answer = _assume(
        client("iam"), "evs-transfer-broker", domain_id=B_DOMAIN, duration_seconds=3600
    )

    credential = answer.credential
    expires_at = dt.datetime.strptime(credential.expires_at, "%Y-%m-%dT%H:%M:%S.%f%z")
    evs_b = client(
        "evs",
        "account-b",
        ak=credential.access,
        sk=credential.secret,
        token=credential.securitytoken,
    )
    assert 201 == answer.status_code
    assert 3590 < (expires_at - before).total_seconds() <= 3601
    assert 0 == evs_b.list_volumes(ListVolumesRequest()).count


def test_assume_role_by_domain_name_defaults_to_900_seconds(
    client: ClientFactory,
) -> None:
    before = dt.datetime.now(dt.timezone.utc)

    answer = _assume(client("iam"), "evs-transfer-broker", domain_name="account-b")

    expires_at = dt.datetime.strptime(
        answer.credential.expires_at, "%Y-%m-%dT%H:%M:%S.%f%z"
    )
    assert 890 < (expires_at - before).total_seconds() <= 901


def test_assume_role_of_agency_not_trusting_caller_is_forbidden(
    client: ClientFactory,
) -> None:
    with pytest.raises(ClientRequestException) as caught:
        _assume(client("iam", "account-b"), "fgs-evs-transfer", domain_id=BROKER_DOMAIN)

    assert (
        403,
        403,
        "The agency fgs-evs-transfer does not trust the calling account.",
    ) == _error(caught)


def test_assume_role_of_unknown_agency_is_not_found(client: ClientFactory) -> None:
    with pytest.raises(ClientRequestException) as caught:
        _assume(client("iam"), "no-such-agency", domain_id=B_DOMAIN)

    assert (404, 404, "Could not find agency: no-such-agency.") == _error(caught)


def test_assume_role_with_too_short_duration_is_bad_request(
    client: ClientFactory,
) -> None:
    with pytest.raises(ClientRequestException) as caught:
        _assume(
            client("iam"),
            "evs-transfer-broker",
            domain_id=B_DOMAIN,
            duration_seconds=899,
        )

    assert (400, 400, "'duration_seconds' must be between 900 and 86400") == _error(
        caught
    )


def test_temporary_key_without_security_token_is_refused(client: ClientFactory) -> None:
    credential = _assume(
        client("iam"), "evs-transfer-broker", domain_id=B_DOMAIN
    ).credential
    evs_b = client("evs", "account-b", ak=credential.access, sk=credential.secret)

    with pytest.raises(ClientRequestException) as caught:
        evs_b.list_volumes(ListVolumesRequest())

    assert (
        401,
        "APIGW.0301",
        (
            "Incorrect IAM authentication information: verify aksk signature fail, "
            "security token is invalid"
        ),
    ) == _error(caught)


def test_function_credentials_can_assume_cross_account_agency(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    """FunctionGraph's agency credentials act as the broker, which B's agency trusts."""
    fgs = localcloud.iam.issue_agency_credentials(BROKER_DOMAIN, "fgs-evs-transfer")
    iam = client("iam", ak=fgs.access, sk=fgs.secret, token=fgs.security_token)

    credential = _assume(iam, "evs-transfer-broker", domain_id=B_DOMAIN).credential

    evs_b = client(
        "evs",
        "account-b",
        ak=credential.access,
        sk=credential.secret,
        token=credential.securitytoken,
    )
    with pytest.raises(ClientRequestException) as caught:
        evs_b.show_volume(ShowVolumeRequest(volume_id=BROKER_VOLUME))
    assert 404 == caught.value.status_code
    assert B_PROJECT == localcloud.calls[-1]["project_id"]


def test_issue_agency_credentials_requires_functiongraph_trust(
    localcloud: LocalCloud,
) -> None:
    with pytest.raises(PermissionError):
        localcloud.iam.issue_agency_credentials(B_DOMAIN, "evs-transfer-broker")
    with pytest.raises(LookupError):
        localcloud.iam.issue_agency_credentials(B_DOMAIN, "missing")
