"""Approval tokens: random, single-use capabilities of which only a digest is kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pydantic import SecretStr

TOKEN_BYTES = (
    32  # 256 random bits, well above the 128 a guessing attack would need to beat
)


def new_approval_token() -> SecretStr:
    """Return a fresh URL-safe approval token."""
    return SecretStr(secrets.token_urlsafe(TOKEN_BYTES))


def token_digest(token: SecretStr) -> str:
    """Return the hex SHA-256 digest stored in place of the token."""
    return hashlib.sha256(token.get_secret_value().encode()).hexdigest()


def token_matches(token: SecretStr, digest: str | None) -> bool:
    """Compare a presented token with a stored digest in constant time."""
    if not digest:
        return False

    return hmac.compare_digest(token_digest(token), digest)
