"""Trigger events exactly as FunctionGraph delivers them (functiongraph.md §2, §7.1).

Each builder returns a fresh JSON-safe dict. ``trigger_kind`` tells the kind of an
event back from its shape, for invocation records.
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any, Literal

TriggerKind = Literal["apig", "smn", "timer", "other"]

DEFAULT_API_ID = "bc1dcffd-aa35-474d-897c-d53425a4c08e"

# The top-level SMN ``timestamp`` is a JavaScript Date.toString() rendered in the
# platform's local time; the documented sample shows GMT+0800 (CST). Which zone each
# region uses is unverified: regions in China and Asia-Pacific get +08:00, others UTC.
_CST = dt.timezone(dt.timedelta(hours=8), "CST")
_UTC = dt.timezone(dt.timedelta(0), "UTC")
_CST_REGION_PREFIXES = ("cn-", "ap-southeast-1", "ap-southeast-3")


def apig_event(  # noqa: PLR0913 - keyword-only, one argument per event field
    *,
    method: str,
    path: str,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    path_parameters: Mapping[str, str],
    body: bytes,
    base64_body: bool = True,
    request_id: str,
    api_id: str = DEFAULT_API_ID,
    stage: str = "RELEASE",
) -> dict[str, Any]:
    """Build the event an APIG (dedicated gateway) trigger sends to a function.

    Args:
        method: HTTP method of the request.
        path: Request path below the gateway group's domain, e.g. ``/transfers/abc``.
        headers: Request headers; names are lower-cased as APIG does.
        query: Query parameters, one string per name.
        path_parameters: Values of the route template's ``{name}`` segments.
        body: Raw request body.
        base64_body: Send the body base64-encoded (the APIG default). When false it is
            decoded as UTF-8, undecodable bytes replaced.
        request_id: APIG request ID; also sent as the ``x-request-id`` header.
        api_id: ID of the API that matched.
        stage: Environment the API is published in.

    Returns:
        The event dict.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    lowered["x-request-id"] = request_id
    text = (
        base64.b64encode(body).decode("ascii")
        if base64_body
        else body.decode("utf-8", errors="replace")
    )

    return {
        "body": text,
        "requestContext": {"apiId": api_id, "requestId": request_id, "stage": stage},
        "queryStringParameters": dict(query),
        "httpMethod": method.upper(),
        "pathParameters": dict(path_parameters),
        "headers": lowered,
        "path": path,
        "isBase64Encoded": base64_body,
    }


def smn_event(
    *,
    topic_urn: str,
    message: str,
    subject: str,
    message_id: str,
    subscription_urn: str,
    region: str,
    timestamp: dt.datetime | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """Build the event an SMN trigger sends to a subscribed function.

    Args:
        topic_urn: URN of the topic the message was published to.
        message: The message text (a JSON payload stays a string).
        subject: The message subject.
        message_id: SMN's unique message ID.
        subscription_urn: The subscribed function's URN.
        region: Region of the topic; picks the zone of the top-level timestamp.
        timestamp: Publication time (timezone-aware); now when omitted.
        request_id: Request ID of the delivery; a new UUID when omitted.

    Returns:
        The event dict, one record as in every documented sample.
    """
    published = timestamp or dt.datetime.now(dt.timezone.utc)
    record = {
        "event_version": "1.0",
        "smn": {
            "topic_urn": topic_urn,
            "timestamp": _iso_z(published),
            "message_attributes": None,
            "message": message,
            "type": "notification",
            "message_id": message_id,
            "subject": subject,
        },
        "event_subscription_urn": subscription_urn,
        "event_source": "smn",
    }

    return {
        "record": [record],
        "functionname": _function_name_of(subscription_urn),
        "requestId": request_id or str(uuid.uuid4()),
        "timestamp": _js_date_string(published, region),
    }


def timer_event(
    *,
    trigger_name: str,
    user_event: str,
    time: dt.datetime | None = None,
    version: str = "v1.0",
) -> dict[str, Any]:
    """Build the event a TIMER trigger sends.

    Args:
        trigger_name: Name of the timer trigger.
        user_event: The trigger's "additional information", always a string.
        time: Scheduled time (timezone-aware); now in UTC when omitted.
        version: ``v1.0`` or ``v2.0`` depending on the platform generation.

    Returns:
        The event dict.
    """
    fired = time or dt.datetime.now(dt.timezone.utc)

    return {
        "version": version,
        "time": fired.isoformat(timespec="seconds"),
        "trigger_type": "TIMER",
        "trigger_name": trigger_name,
        "user_event": user_event,
    }


def trigger_kind(event: Mapping[str, Any]) -> TriggerKind:
    """Tell which trigger produced ``event`` from its shape."""
    records = event.get("record")
    if isinstance(records, list) and any(
        isinstance(record, Mapping) and record.get("event_source") == "smn"
        for record in records
    ):
        return "smn"

    if "httpMethod" in event and "requestContext" in event:
        return "apig"

    if event.get("trigger_type") == "TIMER":
        return "timer"

    return "other"


def _iso_z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _js_date_string(moment: dt.datetime, region: str) -> str:
    zone = _CST if region.startswith(_CST_REGION_PREFIXES) else _UTC
    local = moment.astimezone(zone)
    # Date.toString(): "Wed Nov 15 2017 12:00:00 GMT+0800 (CST)"
    return local.strftime("%a %b %d %Y %H:%M:%S GMT%z ") + f"({zone.tzname(None)})"


def _function_name_of(function_urn: str) -> str:
    # urn:fss:{region}:{project_id}:function:{package}:{name}[:{version}]
    parts = function_urn.split(":")

    return parts[6] if len(parts) > 6 else function_urn
