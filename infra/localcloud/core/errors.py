"""One error class for every emulated service, and the renderers that shape its body.

Each Huawei service answers errors in its own JSON shape, so an error carries only its
HTTP status, code and message; the service that renders it picks the shape::

    CloudError(status, code, message, service=None)
    ├─ rendered as "evs":    {"error": {"code": "EVS.5404", "message": ...}}
    ├─ rendered as "kms":    {"error": {"error_code": "KMS.0207", "error_msg": ...}}
    ├─ rendered as "smn":    {"request_id": ..., "code": "SMN.0006", "message": ...}
    ├─ rendered as "iam":    {"error": {"code": 404, "message": ..., "title": "Not Found"}}
    ├─ rendered as "cbr":    {"error_code": "BackupService.6404", "error_msg": ...}
    ├─ rendered as "ecs":    {"error": {"code": "Ecs.0114", "message": ...}}
    ├─ rendered as "apigw":  {"error_code": "APIGW.0301", "error_msg": ..., "request_id": ...}
    └─ rendered as "localcloud" (admin API): {"error": {"code": ..., "message": ...}}
"""

from __future__ import annotations

import http
from collections.abc import Callable
from typing import Any

JsonBody = dict[str, Any]


class CloudError(Exception):
    """An error answer of an emulated API.

    Attributes:
        status: HTTP status of the answer.
        code: The service's error code (an ``int`` for IAM, a string elsewhere).
        message: Human-readable text; never carries credentials.
        service: Renderer to use instead of the route's own (e.g. ``"apigw"`` for
            signature failures, which the gateway answers before any service runs).
    """

    def __init__(
        self,
        status: int,
        code: str | int,
        message: str,
        *,
        service: str | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.service = service


def _render_evs(error: CloudError, _request_id: str) -> JsonBody:
    return {"error": {"code": error.code, "message": error.message}}


def _render_kms(error: CloudError, _request_id: str) -> JsonBody:
    return {"error": {"error_code": error.code, "error_msg": error.message}}


def _render_smn(error: CloudError, request_id: str) -> JsonBody:
    return {"request_id": request_id, "code": error.code, "message": error.message}


def _render_iam(error: CloudError, _request_id: str) -> JsonBody:
    title = http.HTTPStatus(error.status).phrase
    return {"error": {"code": error.code, "message": error.message, "title": title}}


def _render_cbr(error: CloudError, _request_id: str) -> JsonBody:
    return {"error_code": error.code, "error_msg": error.message}


def _render_apigw(error: CloudError, request_id: str) -> JsonBody:
    return {
        "error_msg": error.message,
        "error_code": error.code,
        "request_id": request_id,
    }


_RENDERERS: dict[str, Callable[[CloudError, str], JsonBody]] = {
    "evs": _render_evs,
    "kms": _render_kms,
    "smn": _render_smn,
    "iam": _render_iam,
    "cbr": _render_cbr,
    "ecs": _render_evs,
    "apigw": _render_apigw,
    "localcloud": _render_evs,
}

# Codes a service answers for failures the core detects on its behalf.
_MALFORMED: dict[str, tuple[str | int, str]] = {
    "evs": ("EVS.5400", "Malformed request body."),
    "kms": ("KMS.0202", "Invalid JSON format of the request message."),
    "smn": ("SMN.0002", "Request body is invalid."),
    "iam": (400, "The request body is not valid JSON."),
    "cbr": ("BackupService.0001", "Invalid request body."),
    "ecs": ("Ecs.0005", "Request body is invalid."),
    "localcloud": ("LocalCloud.0400", "Malformed request body."),
}
_FORBIDDEN: dict[str, tuple[str | int, str]] = {
    "evs": ("EVS.5403", "Policy check failed."),
    "kms": ("KMS.0321", "URIs in URL and X-Auth-Token do not match."),
    "smn": ("SMN.0001", "No permission to request resources."),
    "iam": (403, "You are not authorized to perform the requested action."),
    "cbr": ("BackupService.0003", "Project ID in the URL does not match the token."),
    "ecs": ("Ecs.0003", "You are not authorized to perform the operation."),
}
_INTERNAL: dict[str, tuple[str | int, str]] = {
    "evs": ("EVS.5500", "Internal server error."),
    "kms": ("KMS.0101", "KMS error."),
    "smn": ("SMN.0018", "Service internal error."),
    "iam": (
        500,
        "An unexpected error prevented the server from fulfilling your request.",
    ),
    "cbr": ("BackupService.0500", "Internal server error."),
    "ecs": ("Ecs.0001", "System error. Try again later."),
    "localcloud": ("LocalCloud.0500", "Internal server error."),
}
# What an overloaded backend answers (injected 503s). Only EVS documents its code; the
# others are invented in each service's style.
_UNAVAILABLE: dict[str, tuple[str | int, str]] = {
    "evs": ("EVS.5503", "Service unavailable."),
    "kms": ("KMS.0102", "The service is unavailable."),
    "smn": ("SMN.0018", "Service internal error."),
    "iam": (503, "The service is temporarily unavailable."),
    "cbr": ("BackupService.0503", "Service unavailable."),
    "ecs": ("Ecs.0001", "System error. Try again later."),
}
# Gateway answers that do not depend on the service behind it.
_GATEWAY: dict[int, tuple[str, str]] = {
    429: ("APIGW.0308", "The throttling threshold has been reached."),
    502: ("APIGW.0201", "Backend unavailable."),
    504: ("APIGW.0201", "Backend timeout."),
}


def render_error(error: CloudError, service: str, request_id: str) -> JsonBody:
    """Return the JSON body of ``error`` in the shape of ``error.service or service``."""
    renderer = _RENDERERS[error.service or service]

    return renderer(error, request_id)


def malformed_body(service: str) -> CloudError:
    """Return the service's answer to a body that is not a JSON object."""
    code, message = _MALFORMED[service]

    return CloudError(400, code, message)


def forbidden_scope(service: str) -> CloudError:
    """Return the service's answer to a project or domain the caller does not own."""
    code, message = _FORBIDDEN[service]

    return CloudError(403, code, message)


def internal_error(service: str) -> CloudError:
    """Return the service's answer to a bug in the emulator."""
    code, message = _INTERNAL[service]

    return CloudError(500, code, message)


def injected_error(service: str, status: int) -> CloudError:
    """Return what the cloud answers with HTTP ``status`` for an injected fault.

    429, 502 and 504 come from the API gateway (``APIGW.0308`` throttling, backend
    failures); 500 and 503 from the service itself; any other status gets a
    ``LocalCloud.<status>`` code in the service's shape.
    """
    if status in _GATEWAY:
        gateway_code, gateway_message = _GATEWAY[status]
        return CloudError(status, gateway_code, gateway_message, service="apigw")
    if status == 500:
        return internal_error(service)
    if status == 503 and service in _UNAVAILABLE:
        code, message = _UNAVAILABLE[service]
        return CloudError(503, code, message)

    fallback: str | int = status if service == "iam" else f"LocalCloud.{status}"

    return CloudError(status, fallback, f"Injected fault: HTTP {status}.")
