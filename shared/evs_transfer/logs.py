"""Structured JSON logs with the invocation's ids and without key material.

Each line is one event with a stable dotted name (``transfer.created``), the bound
``request_id`` and ``transfer_id``, and whatever fields the call site adds. A redaction step
runs before rendering: fields whose names suggest secrets are masked, and so are pydantic
``SecretStr`` values wherever they appear.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog
from pydantic import SecretStr

REDACTED = "[redacted]"
SECRET_FIELD = re.compile(
    r"(auth_?key|token|secret|password|passwd|credential|signature|authorization|"
    r"(^|_)sk$|(^|_)ak$|access_?key|plain_?text|cipher_?text)",
    re.IGNORECASE,
)


def redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
    """Mask secret-bearing fields of a log event (a structlog processor)."""
    return {key: _redacted(key, value) for key, value in event_dict.items()}


def _redacted(key: str, value: Any) -> Any:
    if key != "event" and SECRET_FIELD.search(key):
        return REDACTED
    if isinstance(value, SecretStr):
        return REDACTED
    if isinstance(value, Mapping):
        return {str(k): _redacted(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redacted("", item) for item in value]

    return value


def configure_logging(level: int = logging.INFO) -> None:
    """Send JSON lines to standard output, where FunctionGraph collects them for LTS.

    Idempotent: only the first call of a process configures structlog.
    """
    if structlog.is_configured():
        return
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(sort_keys=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        # No fixed file: each logger writes to the sys.stdout of the moment it is made.
        logger_factory=structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,
    )


def get_logger() -> Any:
    """Return the project's structured logger."""
    return structlog.get_logger("evs_transfer")
