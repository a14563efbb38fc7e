"""IAM answers: ``{"error": {"code": <int>, "message": ..., "title": ...}}``."""

from __future__ import annotations

from localcloud.core.errors import CloudError


def bad_request(message: str) -> CloudError:
    """400 with the Keystone-style validation message."""
    return CloudError(400, 400, message)


def not_found(message: str) -> CloudError:
    """404 for an unknown domain or agency."""
    return CloudError(404, 404, message)


def forbidden(message: str) -> CloudError:
    """403 for an agency that does not trust the caller."""
    return CloudError(403, 403, message)
