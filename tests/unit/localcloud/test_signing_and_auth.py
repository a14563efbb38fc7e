"""SDK-HMAC-SHA256 verification, checked against the documented test vector."""

from __future__ import annotations

import datetime as dt

import pytest

from localcloud.core import signing
from localcloud.core.accounts import AccessKey, Account, AccountRegistry
from localcloud.core.auth import Authenticator, SignedRequest
from localcloud.core.errors import CloudError

VECTOR_HEADERS = {
    "content-type": "application/json;charset=utf-8",
    "host": "evs.ap-southeast-1.myhuaweicloud.com",
    "user-agent": "test-agent",
    "x-project-id": "proj123",
    "x-sdk-date": "20250101T000000Z",
}
SIGNED = ("content-type", "host", "user-agent", "x-project-id", "x-sdk-date")
VECTOR_BODY = b'{"transfer": {"name": "n", "volume_id": "v1"}}'
VECTOR_CANONICAL = (
    "POST\n/v2/proj123/os-volume-transfer/\n\n"
    "content-type:application/json;charset=utf-8\n"
    "host:evs.ap-southeast-1.myhuaweicloud.com\n"
    "user-agent:test-agent\nx-project-id:proj123\nx-sdk-date:20250101T000000Z\n\n"
    "content-type;host;user-agent;x-project-id;x-sdk-date\n"
    "74397e24da54fb5dddf2c5f555b9268f519fd87c81129521ba681c84a20e3b0b"
)
POST_SIGNATURE = "9820ca33a49aee62873ea4e86545d5c4f8003c35398b7bd42695005b7d1346b2"
GET_SIGNATURE = "08f0b4d3a154a77ef13209e91b6c8e86a7160993250bddd49a398b4e0669b9a9"
VECTOR_TIME = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def _canonical(method: str, query: list[tuple[str, str]], body: bytes) -> str:
    return signing.canonical_request(
        method=method,
        raw_path="/v2/proj123/os-volume-transfer",
        query=query,
        headers=VECTOR_HEADERS,
        signed_headers=SIGNED,
        body=body,
    )


def test_canonical_request_matches_documented_vector() -> None:
    assert VECTOR_CANONICAL == _canonical("POST", [], VECTOR_BODY)


def test_string_to_sign_matches_documented_vector() -> None:
    text = signing.string_to_sign(
        "20250101T000000Z", _canonical("POST", [], VECTOR_BODY)
    )

    assert (
        "SDK-HMAC-SHA256\n20250101T000000Z\n"
        "5c2b22cb0cc422a9faf0d0c344084142174c50e8fc97a6d92cc2f162f2015dbb"
    ) == text


def test_signature_matches_documented_post_vector() -> None:
    text = signing.string_to_sign(
        "20250101T000000Z", _canonical("POST", [], VECTOR_BODY)
    )

    assert POST_SIGNATURE == signing.signature("SKTEST", text)


def test_signature_matches_documented_get_vector_with_query() -> None:
    text = signing.string_to_sign(
        "20250101T000000Z", _canonical("GET", [("offset", "1"), ("limit", "5")], b"")
    )

    assert GET_SIGNATURE == signing.signature("SKTEST", text)


def test_canonical_uri_reencodes_urn_and_appends_slash() -> None:
    raw = "/v2/p/notifications/topics/urn%3Asmn%3Acn-north-4%3Ap%3At/publish"

    assert (
        "/v2/p/notifications/topics/urn%3Asmn%3Acn-north-4%3Ap%3At/publish/"
        == signing.canonical_uri(raw)
    )


def test_parse_authorization_splits_documented_header() -> None:
    header = (
        "SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=content-type;host;user-agent;"
        f"x-project-id;x-sdk-date, Signature={POST_SIGNATURE}"
    )

    parsed = signing.parse_authorization(header)

    assert signing.Authorization("AKTEST", SIGNED, POST_SIGNATURE) == parsed


def test_parse_authorization_rejects_other_algorithms() -> None:
    assert None is signing.parse_authorization("AWS4-HMAC-SHA256 Credential=x")


def _authenticator(*, temporary: bool = False) -> Authenticator:
    registry = AccountRegistry()
    registry.add(Account("a", "d" * 32, {"r": "proj123"}, "AKPERM", "SKPERM"))
    if temporary:
        registry.add_temporary_key(
            AccessKey("AKTEST", "SKTEST", "d" * 32, "token", VECTOR_TIME, "agency")
        )
    else:
        registry.add_temporary_key(AccessKey("AKTEST", "SKTEST", "d" * 32))
    return Authenticator(registry)


def _vector_request() -> SignedRequest:
    authorization = (
        f"SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders={';'.join(SIGNED)}, "
        f"Signature={POST_SIGNATURE}"
    )
    return SignedRequest.build(
        method="POST",
        raw_path="/v2/proj123/os-volume-transfer",
        query=[],
        headers=[*VECTOR_HEADERS.items(), ("authorization", authorization)],
        body=VECTOR_BODY,
    )


def test_authenticate_accepts_documented_vector() -> None:
    caller = _authenticator().authenticate(_vector_request(), now=VECTOR_TIME)

    assert ("d" * 32, "a", False) == (
        caller.domain_id,
        caller.account_name,
        caller.temporary,
    )


def test_authenticate_refuses_date_older_than_15_minutes() -> None:
    late = VECTOR_TIME + dt.timedelta(minutes=15, seconds=1)

    with pytest.raises(CloudError) as caught:
        _authenticator().authenticate(_vector_request(), now=late)

    assert (401, "APIGW.0301") == (caught.value.status, caught.value.code)
    assert (
        "Incorrect IAM authentication information: calc ak sk signature fail:signature expired"
        == caught.value.message
    )


def test_authenticate_refuses_expired_temporary_key() -> None:
    """The vector carries no token; an expired temporary key fails on either count."""
    with pytest.raises(CloudError) as caught:
        _authenticator(temporary=True).authenticate(_vector_request(), now=VECTOR_TIME)

    assert 401 == caught.value.status
    assert "security token is invalid" in caught.value.message


def test_access_key_repr_hides_secret_and_token() -> None:
    key = AccessKey("AKTEST", "SKSECRET", "d" * 32, "TOKENVALUE", VECTOR_TIME)

    assert "SKSECRET" not in repr(key)
    assert "TOKENVALUE" not in repr(key)
