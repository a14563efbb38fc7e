"""FunctionGraph trigger events (APIG, SMN, TIMER), parsed strictly.

Shapes follow FunctionGraph's documented events: APIG bodies arrive Base64-encoded when
``isBase64Encoded`` is true (the default), SMN events carry a ``record`` list whose
``message`` is text, and TIMER events carry ``user_event`` as text.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.parse
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evs_transfer.errors import InvalidRequest

M = TypeVar("M", bound=BaseModel)

MAX_BODY_BYTES = 1024 * 1024


class ApigRequestContext(BaseModel):
    """What APIG says about the request: at least its id."""

    model_config = ConfigDict(extra="allow")

    requestId: str = ""  # noqa: N815 - APIG's own field name


class ApigEvent(BaseModel):
    """An HTTP request delivered by an APIG trigger."""

    model_config = ConfigDict(extra="allow")

    httpMethod: str  # noqa: N815 - APIG's own field name
    path: str
    headers: dict[str, str] = Field(default_factory=dict)
    queryStringParameters: dict[str, str] | None = None  # noqa: N815
    pathParameters: dict[str, str] | None = None  # noqa: N815
    body: str | None = ""
    isBase64Encoded: bool = False  # noqa: N815
    requestContext: ApigRequestContext = Field(default_factory=ApigRequestContext)  # noqa: N815

    def json_body(self, *, forms: bool = False) -> Any:
        """Return the decoded JSON body, or with ``forms`` a browser's form fields.

        Forms are for the approval page only: a route that took them could be driven by
        a form on any other site.

        Raises:
            InvalidRequest: The body is not Base64 when it says so, too large, or not JSON.
        """
        raw = self.body or ""
        try:
            data = (
                base64.b64decode(raw, validate=True)
                if self.isBase64Encoded
                else raw.encode()
            )
        except (binascii.Error, ValueError):
            raise InvalidRequest(
                "the request body is not valid Base64", details=[{"field": "body"}]
            ) from None
        if len(data) > MAX_BODY_BYTES:
            raise InvalidRequest(
                "the request body is too large", details=[{"field": "body"}]
            )
        if not data.strip():
            return None
        content_type = self.header("content-type").lower()
        if forms and content_type.startswith("application/x-www-form-urlencoded"):
            return _form(data)

        return _json(data, field="body", what="the request body")

    def header(self, name: str) -> str:
        """Return a request header's value ("" when absent), whatever its case."""
        wanted = name.lower()

        return next((v for k, v in self.headers.items() if k.lower() == wanted), "")


class SmnMessage(BaseModel):
    """The ``smn`` part of one SMN record."""

    model_config = ConfigDict(extra="allow")

    topic_urn: str
    message: str
    message_id: str
    subject: str | None = None
    timestamp: str | None = None
    type: str | None = None


class SmnRecord(BaseModel):
    """One SMN delivery inside an SMN trigger event."""

    model_config = ConfigDict(extra="allow")

    event_source: str = Field(pattern="^smn$")
    smn: SmnMessage


class SmnEvent(BaseModel):
    """An SMN trigger event: one or more records."""

    model_config = ConfigDict(extra="allow")

    record: list[SmnRecord] = Field(min_length=1)


class TimerEvent(BaseModel):
    """A TIMER trigger event; ``user_event`` is the trigger's text, often empty."""

    model_config = ConfigDict(extra="allow")

    trigger_type: str = Field(pattern="^TIMER$")
    trigger_name: str = Field(min_length=1)
    time: str = ""
    version: str = ""
    user_event: str = ""


def trigger_kind(event: Any) -> str:
    """Tell which trigger sent ``event``: ``apig``, ``smn``, ``timer`` or ``unknown``."""
    if not isinstance(event, Mapping):
        return "unknown"
    if "httpMethod" in event:
        return "apig"
    if "record" in event:
        return "smn"
    if event.get("trigger_type") == "TIMER":
        return "timer"

    return "unknown"


def parse(model: type[M], data: Any, *, what: str) -> M:
    """Validate ``data`` as ``model``; errors name fields, never echo the input values.

    Raises:
        InvalidRequest: ``data`` does not fit ``model``.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        details = [
            {
                "field": ".".join(str(part) for part in error["loc"]) or what,
                "error": error["type"],
                "message": error["msg"],
            }
            for error in exc.errors(include_url=False, include_input=False)
        ]
        raise InvalidRequest(f"the {what} is not valid", details=details) from None


def smn_payload(record: SmnRecord) -> Any:
    """Return the JSON document an SMN message carries.

    Raises:
        InvalidRequest: The message is not JSON.
    """
    return _json(record.smn.message, field="smn.message", what="the SMN message")


def _form(data: bytes) -> dict[str, str]:
    # A browser's form post: every field once; a repeated one is a client mistake.
    try:
        pairs = urllib.parse.parse_qsl(
            data.decode(), keep_blank_values=True, strict_parsing=True
        )
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequest(
            "the form body is not valid", details=[{"field": "body"}]
        ) from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidRequest(
            "a form field was sent more than once", details=[{"field": "body"}]
        )

    return fields


def _json(data: str | bytes, *, field: str, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        # ValueError covers malformed JSON, bad UTF-8 and integers too long to convert;
        # RecursionError, documents nested deeper than the parser can follow.
        raise InvalidRequest(
            f"{what} is not JSON", details=[{"field": field}]
        ) from None
