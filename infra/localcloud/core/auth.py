"""Who is calling: verify the SDK-HMAC-SHA256 signature and resolve the caller.

Failures are answered the way Huawei's API gateway does, before any service runs:
401 ``APIGW.0301`` with ``Incorrect IAM authentication information: ...``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request

from localcloud.core import signing
from localcloud.core.accounts import AccessKey, AccountRegistry
from localcloud.core.errors import CloudError

MAX_CLOCK_SKEW = dt.timedelta(minutes=15)
_PREFIX = "Incorrect IAM authentication information: "


@dataclasses.dataclass(frozen=True)
class Caller:
    """The verified identity behind a request (never holds the secret key)."""

    domain_id: str
    account_name: str
    user_id: str
    temporary: bool = False
    agency_name: str | None = None


@dataclasses.dataclass(frozen=True)
class SignedRequest:
    """What the verifier needs from an HTTP request."""

    method: str
    raw_path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    body: bytes

    @classmethod
    def build(
        cls,
        *,
        method: str,
        raw_path: str,
        query: Iterable[tuple[str, str]],
        headers: Iterable[tuple[str, str]],
        body: bytes,
    ) -> SignedRequest:
        """Normalise header names to lower case and freeze the query."""
        lowered = {name.lower(): value for name, value in headers}

        return cls(method, raw_path, tuple(query), lowered, body)


def raw_path(request: Request) -> str:
    """The path as the client encoded it: signatures cover ``%3A`` and friends."""
    raw: Any = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw.startswith("/"):
        return raw.split("?", 1)[0]

    return quote(request.script_root + request.path, safe="/~")


def signed_request(request: Request, body: bytes) -> SignedRequest:
    """Return what the verifier needs from a WSGI request whose body was read."""
    return SignedRequest.build(
        method=request.method,
        raw_path=raw_path(request),
        query=request.args.items(multi=True),
        headers=request.headers.items(),
        body=body,
    )


def _unauthorized(reason: str) -> CloudError:
    return CloudError(401, "APIGW.0301", _PREFIX + reason, service="apigw")


class Authenticator:
    """Verifies signatures against the accounts and keys of a registry."""

    def __init__(self, registry: AccountRegistry) -> None:
        self._registry = registry

    def authenticate(
        self, request: SignedRequest, *, now: dt.datetime | None = None
    ) -> Caller:
        """Return the caller of a correctly signed request.

        Raises:
            CloudError: 401 APIGW.0301 for any failure (unsigned, unknown AK, stale date,
                missing or wrong security token, expired temporary key, bad signature).
        """
        now = now or dt.datetime.now(dt.timezone.utc)
        authorization = signing.parse_authorization(
            request.headers.get("authorization")
        )
        if authorization is None:
            raise _unauthorized(
                "verify aksk signature fail, the Authorization header is invalid"
            )

        sdk_date = self._check_date(request.headers.get("x-sdk-date", ""), now)
        key = self._check_key(authorization.access_key, request.headers, now)
        self._check_signature(request, authorization, sdk_date, key)

        return self._caller(key)

    @staticmethod
    def _check_date(value: str, now: dt.datetime) -> str:
        try:
            signed_at = dt.datetime.strptime(value, signing.DATE_FORMAT).replace(
                tzinfo=dt.timezone.utc
            )
        except ValueError:
            raise _unauthorized(
                "verify aksk signature fail, X-Sdk-Date is invalid"
            ) from None
        if abs(now - signed_at) > MAX_CLOCK_SKEW:
            raise _unauthorized("calc ak sk signature fail:signature expired")

        return value

    def _check_key(
        self, access_key: str, headers: Mapping[str, str], now: dt.datetime
    ) -> AccessKey:
        key = self._registry.key(access_key)
        if key is None:
            # The real gateway echoes the AK here; we do not put credentials in texts.
            raise _unauthorized("Get secretKey failed,err:ak not exist")
        if key.is_temporary:
            token = headers.get("x-security-token", "")
            if not hmac.compare_digest(
                token.encode(), (key.security_token or "").encode()
            ):
                raise _unauthorized(
                    "verify aksk signature fail, security token is invalid"
                )
            if key.expires_at is not None and now >= key.expires_at:
                raise _unauthorized(
                    "verify aksk signature fail, security token has expired"
                )

        return key

    @staticmethod
    def _check_signature(
        request: SignedRequest,
        authorization: signing.Authorization,
        sdk_date: str,
        key: AccessKey,
    ) -> None:
        required = {"x-sdk-date", "host"}
        if key.is_temporary:
            required.add("x-security-token")
        if not required <= set(authorization.signed_headers):
            raise _unauthorized(
                "verify aksk signature fail, required headers are not signed"
            )

        canonical = signing.canonical_request(
            method=request.method,
            raw_path=request.raw_path,
            query=request.query,
            headers=request.headers,
            signed_headers=authorization.signed_headers,
            body=request.body,
        )
        expected = signing.signature(
            key.secret_key, signing.string_to_sign(sdk_date, canonical)
        )
        if not signing.signatures_match(expected, authorization.signature):
            raise _unauthorized(
                "verify aksk signature fail, the signature does not match"
            )

    def _caller(self, key: AccessKey) -> Caller:
        account = self._registry.by_domain(key.domain_id)
        if account is None:
            raise _unauthorized("Get secretKey failed,err:ak not exist")

        return Caller(
            domain_id=account.domain_id,
            account_name=account.name,
            user_id=account.effective_user_id,
            temporary=key.is_temporary,
            agency_name=key.agency_name,
        )
