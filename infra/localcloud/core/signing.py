"""SDK-HMAC-SHA256 request signatures, rebuilt on the server side.

The algorithm is the one ``huaweicloudsdkcore.signer.Signer`` applies (huawei-apis.md
§5.3): a canonical request made of the method, the re-encoded path with a trailing
slash, the sorted query, the signed headers and the payload hash, hashed into a string
to sign and authenticated with HMAC-SHA256 keyed by the secret key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, unquote

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

_AUTHORIZATION = re.compile(
    r"^SDK-HMAC-SHA256\s+Access=(?P<access>[^,\s]+),\s*"
    r"SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-fA-F]+)$"
)


@dataclasses.dataclass(frozen=True)
class Authorization:
    """The parts of an ``Authorization: SDK-HMAC-SHA256 ...`` header."""

    access_key: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str | None) -> Authorization | None:
    """Split an Authorization header; ``None`` when it is absent or not SDK-HMAC-SHA256."""
    match = _AUTHORIZATION.match((value or "").strip())
    if match is None:
        return None

    headers = tuple(match["headers"].split(";"))

    return Authorization(match["access"], headers, match["signature"].lower())


def canonical_uri(raw_path: str) -> str:
    """Re-encode each path segment as the SDK does and append the trailing slash."""
    segments = [quote(segment, safe="~") for segment in unquote(raw_path).split("/")]
    path = "/".join(segments)

    return path if path.endswith("/") else path + "/"


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Sort the decoded query pairs and re-encode them, joined with ``&``."""
    ordered = sorted(pairs)

    return "&".join(
        f"{quote(key, safe='~')}={quote(value, safe='~')}" for key, value in ordered
    )


def payload_hash(
    body: bytes, headers: Mapping[str, str], signed_headers: Iterable[str] = ()
) -> str:
    """Hash the body, or take the declared ``X-Sdk-Content-Sha256`` when it is signed.

    A signed ``UNSIGNED-PAYLOAD`` leaves the body out of the signature, as the SDK asks
    for non-JSON bodies; any other declared value must be the body's own hash, so that a
    captured signature cannot carry another body.
    """
    if not body:
        return EMPTY_SHA256
    actual = hashlib.sha256(body).hexdigest()
    declared = headers.get("x-sdk-content-sha256")
    if declared and "x-sdk-content-sha256" in signed_headers:
        return declared if declared == UNSIGNED_PAYLOAD else actual

    return actual


def canonical_request(
    *,
    method: str,
    raw_path: str,
    query: Iterable[tuple[str, str]],
    headers: Mapping[str, str],
    signed_headers: Iterable[str],
    body: bytes,
) -> str:
    """Build the canonical request.

    Args:
        method: HTTP method as received.
        raw_path: The path as sent on the wire (still percent-encoded), without query.
        query: Decoded query pairs in any order.
        headers: Received headers with **lower-case** names.
        signed_headers: Names listed in ``SignedHeaders``, lower-case, in their order.
        body: The raw request body.

    Returns:
        The canonical request text; a missing signed header canonicalises as empty.
    """
    names = list(signed_headers)
    header_block = "".join(
        f"{name}:{headers.get(name, '').strip()}\n" for name in names
    )

    return "\n".join(
        [
            method.upper(),
            canonical_uri(raw_path),
            canonical_query(query),
            header_block,
            ";".join(names),
            payload_hash(body, headers, names),
        ]
    )


def string_to_sign(sdk_date: str, canonical: str) -> str:
    """Return the algorithm, the date and the canonical request hash, one per line."""
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    return f"{ALGORITHM}\n{sdk_date}\n{digest}"


def signature(secret_key: str, text: str) -> str:
    """Return the hex HMAC-SHA256 of ``text`` keyed by the secret key."""
    return hmac.new(
        secret_key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256
    ).hexdigest()


def signatures_match(expected: str, actual: str) -> bool:
    """Compare two hex signatures in constant time."""
    return hmac.compare_digest(expected.lower(), actual.lower())
