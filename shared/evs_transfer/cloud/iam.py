"""IAM: temporary credentials through a member account's agency."""

from __future__ import annotations

import datetime as dt
from typing import Any

from huaweicloudsdkiam.v3 import (
    AgencyAuth,
    AgencyAuthIdentity,
    CreateTemporaryAccessKeyByAgencyRequest,
    CreateTemporaryAccessKeyByAgencyRequestBody,
    IdentityAssumerole,
)

from evs_transfer.cloud.sdk import CloudCredentials, call

SERVICE = "iam"
EXPIRES_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class Iam:
    """Assume agencies with the broker's own credentials."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def assume_agency(
        self, *, domain_id: str, agency_name: str, duration_seconds: int
    ) -> CloudCredentials:
        """Return temporary credentials acting in ``domain_id`` through ``agency_name``."""
        identity = AgencyAuthIdentity(
            methods=["assume_role"],
            assume_role=IdentityAssumerole(
                agency_name=agency_name,
                domain_id=domain_id,
                duration_seconds=duration_seconds,
            ),
        )
        body = CreateTemporaryAccessKeyByAgencyRequestBody(
            auth=AgencyAuth(identity=identity)
        )
        response = call(
            SERVICE,
            "CreateTemporaryAccessKeyByAgency",
            lambda: self._client.create_temporary_access_key_by_agency(
                CreateTemporaryAccessKeyByAgencyRequest(body=body)
            ),
        )
        credential = response.credential

        return CloudCredentials(
            access=credential.access,
            secret=credential.secret,
            security_token=credential.securitytoken,
            expires_at=_expires_at(credential.expires_at),
        )


def _expires_at(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, EXPIRES_AT_FORMAT).replace(
        tzinfo=dt.timezone.utc
    )
