"""Payload limits and JSON hygiene for events and results.

Events and results cross a JSON boundary in FunctionGraph, so the emulator passes JSON
copies: a handler cannot mutate its caller's dict, and a value JSON cannot carry fails
here as it would in the cloud. Limits are HW-LIMITS': sync request and response 6 MB,
async request 256 KB; an async result over 256 KB becomes empty (HW-ASYNCNOTIF).
"""

from __future__ import annotations

import json
from typing import Any

from localcloud.functiongraph.errors import PayloadTooLargeError
from localcloud.functiongraph.invocation import InvocationMode

SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
ASYNC_PAYLOAD_LIMIT = 256 * 1024


def json_copy(value: Any, limit: int | None, what: str) -> Any:
    """Return a JSON round-trip copy of ``value``.

    Raises:
        TypeError: ``value`` is not JSON-serialisable.
        PayloadTooLargeError: Its JSON text is over ``limit`` bytes.
    """
    text = json.dumps(value)
    if limit is not None and len(text.encode("utf-8")) > limit:
        raise PayloadTooLargeError(f"{what} is over the {limit}-byte limit")

    return json.loads(text)


def checked_result(raw: Any, mode: InvocationMode) -> tuple[Any, dict[str, str] | None]:
    """Return a handler's result as FunctionGraph passes it on, or the failure it causes.

    Returns:
        ``(result, None)`` or ``(None, {"errorMessage", "errorType"})``.
    """
    try:
        text = json.dumps(raw)
    except (TypeError, ValueError) as exc:
        return None, {
            "errorMessage": f"function result is not JSON serializable: {exc}",
            "errorType": type(exc).__name__,
        }

    size = len(text.encode("utf-8"))
    if mode == "async" and size > ASYNC_PAYLOAD_LIMIT:
        return None, None
    if size > SYNC_PAYLOAD_LIMIT:
        return None, {
            "errorMessage": f"function result is over the {SYNC_PAYLOAD_LIMIT}-byte limit",
            "errorType": "ResponseTooLarge",
        }

    return json.loads(text), None
