"""KMS answers, with the codes and texts of Huawei's KMS error table."""

from __future__ import annotations

from localcloud.core.errors import CloudError


def key_not_found() -> CloudError:
    """404 KMS.0207 (also for a key of another project)."""
    return CloudError(404, "KMS.0207", "The key does not exist.")


def invalid_key_id() -> CloudError:
    """400 KMS.0205 for a ``key_id`` that is not a key id."""
    return CloudError(400, "KMS.0205", "Invalid key ID.")


def missing_parameter() -> CloudError:
    """400 KMS.0204 for a required field that is absent."""
    return CloudError(400, "KMS.0204", "Parameters missing in the request message.")


def key_disabled() -> CloudError:
    """400 KMS.0209 for a disabled key."""
    return CloudError(400, "KMS.0209", "The key has been disabled.")


def key_not_disabled() -> CloudError:
    """400 KMS.1201 for enabling a key that is not disabled."""
    return CloudError(400, "KMS.1201", "The key is not disabled.")


def key_not_enabled() -> CloudError:
    """400 KMS.1301 for disabling a key that is not enabled."""
    return CloudError(400, "KMS.1301", "The key is not enabled.")


def invalid_plain_text() -> CloudError:
    """400 KMS.2101 for a plaintext outside 1..4096 bytes."""
    return CloudError(400, "KMS.2101", "Invalid plain_text.")


def invalid_cipher_text() -> CloudError:
    """400 KMS.2201: undecodable, tampered, or wrong additional authenticated data."""
    return CloudError(400, "KMS.2201", "Invalid cipher_text.")


def request_too_long() -> CloudError:
    """400 KMS.0203, used for additional authenticated data over 128 bytes."""
    return CloudError(400, "KMS.0203", "Request message too long.")


def invalid_alias() -> CloudError:
    """400 KMS.0202-family answer for a bad ``key_alias``."""
    return CloudError(400, "KMS.1102", "Invalid key_alias.")
