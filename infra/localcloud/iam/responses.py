"""IAM request handlers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from localcloud.core.accounts import Account, AccountRegistry
from localcloud.core.context import RequestContext
from localcloud.core.routing import Reply
from localcloud.iam import errors
from localcloud.iam.models import MAX_DURATION, MIN_DURATION, IamBackend

EXPIRES_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class IamResponses:
    """The IAM operations localcloud answers."""

    def __init__(self, backend: IamBackend, registry: AccountRegistry) -> None:
        self._backend = backend
        self._registry = registry

    def create_temporary_access_key_by_agency(self, ctx: RequestContext) -> Reply:
        """CreateTemporaryAccessKeyByAgency. Does not model: ``policy``, session_user."""
        assume_role = _assume_role(ctx.json())
        agency_name = assume_role.get("agency_name") or assume_role.get("xrole_name")
        if not isinstance(agency_name, str) or not agency_name:
            raise errors.bad_request("'agency_name' is a required property")
        duration = _duration(assume_role.get("duration_seconds", 900))
        domain = self._delegating_domain(assume_role)

        credentials = self._backend.assume(
            caller_domain_id=ctx.principal.domain_id,
            domain=domain,
            agency_name=agency_name,
            duration=duration,
        )

        credential = {
            "access": credentials.access,
            "secret": credentials.secret,
            "expires_at": credentials.expires_at.strftime(EXPIRES_AT_FORMAT),
            "securitytoken": credentials.security_token,
        }

        return Reply(201, {"credential": credential})

    def _delegating_domain(self, assume_role: dict[str, Any]) -> Account:
        domain_id, domain_name = (
            assume_role.get("domain_id"),
            assume_role.get("domain_name"),
        )
        if isinstance(domain_id, str) and domain_id:
            account = self._registry.by_domain(domain_id)
        elif isinstance(domain_name, str) and domain_name:
            account = self._registry.by_name(domain_name)
        else:
            raise errors.bad_request(
                "'domain_id' or 'domain_name' is a required property"
            )
        if account is None:
            raise errors.not_found(
                f"Could not find domain: {domain_id or domain_name}."
            )

        return account


def _assume_role(body: dict[str, Any]) -> dict[str, Any]:
    identity = (
        body.get("auth", {}).get("identity")
        if isinstance(body.get("auth"), dict)
        else None
    )
    if not isinstance(identity, dict):
        raise errors.bad_request("'identity' is a required property")
    methods = identity.get("methods")
    if not isinstance(methods, list) or "assume_role" not in methods:
        raise errors.bad_request("'methods' must contain 'assume_role'")
    assume_role = identity.get("assume_role")
    if not isinstance(assume_role, dict):
        raise errors.bad_request("'assume_role' is a required property")

    return assume_role


def _duration(value: Any) -> dt.timedelta:
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.bad_request("'duration_seconds' must be an integer")
    duration = dt.timedelta(seconds=value)
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise errors.bad_request("'duration_seconds' must be between 900 and 86400")

    return duration
