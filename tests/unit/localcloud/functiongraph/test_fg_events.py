from __future__ import annotations

import base64
import datetime as dt
import json
import re
from typing import Any

import pytest

from localcloud.functiongraph.events import (
    apig_event,
    smn_event,
    timer_event,
    trigger_kind,
)
from tests.unit.localcloud.functiongraph.fgsupport import LoadEvent

FUNCTION_URN = (
    "urn:fss:ap-southeast-1:0162c0f220284698b77a3d264376343a:function:default:"
    "read-smn-message:latest"
)
TOPIC_URN = (
    "urn:smn:ap-southeast-1:0162c0f220284698b77a3d264376343a:evs-transfer-events"
)


def shape(value: Any) -> Any:
    """Reduce a JSON value to its structure: keys and leaf types."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


def sample_smn() -> dict[str, Any]:
    return smn_event(
        topic_urn=TOPIC_URN,
        message="this is smn message content",
        subject="this is smn message subject",
        message_id="a51671f77d4a479cacb09e2cd591a983",
        subscription_urn=FUNCTION_URN,
        region="ap-southeast-1",
        timestamp=dt.datetime(2018, 1, 9, 7, 11, 40, tzinfo=dt.timezone.utc),
        request_id="7c307f6a-cf68-4e65-8be0-4c77405a1b2c",
    )


def test_smn_event_matches_fixture_shape(load_event: LoadEvent) -> None:
    event = sample_smn()

    assert shape(load_event("smn.json")) == shape(event)


def test_smn_event_record_fields_match_fixture(load_event: LoadEvent) -> None:
    fixture = load_event("smn.json")

    event = sample_smn()

    assert fixture["record"] == event["record"]
    assert fixture["functionname"] == event["functionname"]
    assert fixture["requestId"] == event["requestId"]


def test_smn_event_top_level_timestamp_is_javascript_date_string() -> None:
    event = sample_smn()

    assert event["timestamp"] == "Tue Jan 09 2018 15:11:40 GMT+0800 (CST)"


def test_smn_event_timestamp_outside_asia_is_utc() -> None:
    event = smn_event(
        topic_urn=TOPIC_URN,
        message="m",
        subject="s",
        message_id="id",
        subscription_urn=FUNCTION_URN,
        region="eu-west-101",
        timestamp=dt.datetime(2018, 1, 9, 7, 11, 40, tzinfo=dt.timezone.utc),
    )

    assert event["timestamp"] == "Tue Jan 09 2018 07:11:40 GMT+0000 (UTC)"


def test_smn_event_defaults_are_fresh_request_id_and_now() -> None:
    first = smn_event(
        topic_urn=TOPIC_URN,
        message="{}",
        subject="s",
        message_id="m1",
        subscription_urn=FUNCTION_URN,
        region="ap-southeast-1",
    )
    second = smn_event(
        topic_urn=TOPIC_URN,
        message="{}",
        subject="s",
        message_id="m2",
        subscription_urn=FUNCTION_URN,
        region="ap-southeast-1",
    )

    assert first["requestId"] != second["requestId"]
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", first["record"][0]["smn"]["timestamp"]
    )


def test_apig_event_matches_get_fixture(load_event: LoadEvent) -> None:
    fixture = load_event("apig_get.json")
    headers = {name.title(): value for name, value in fixture["headers"].items()}

    event = apig_event(
        method="get",
        path="/apig-event-template",
        headers=headers,
        query={"responseType": "html"},
        path_parameters={},
        body=b"",
        request_id="11cdcdcf33949dc6d722640a13091c77",
    )

    assert fixture == event


def test_apig_event_matches_post_base64_fixture(load_event: LoadEvent) -> None:
    fixture = load_event("apig_post_base64.json")

    event = apig_event(
        method="POST",
        path=fixture["path"],
        headers=fixture["headers"],
        query={},
        path_parameters=fixture["pathParameters"],
        body=b'{"name": "OpenTelekomCloud"}',
        request_id=fixture["requestContext"]["requestId"],
    )

    assert fixture == event


def test_apig_event_plain_body_when_base64_disabled() -> None:
    event = apig_event(
        method="POST",
        path="/transfers",
        headers={},
        query={},
        path_parameters={},
        body='{"disk": "é"}'.encode(),
        base64_body=False,
        request_id="r1",
        api_id="api-1",
        stage="TEST",
    )

    assert event["body"] == '{"disk": "é"}'
    assert event["isBase64Encoded"] is False
    assert event["requestContext"] == {
        "apiId": "api-1",
        "requestId": "r1",
        "stage": "TEST",
    }


def test_apig_event_request_id_header_overrides_client_value() -> None:
    event = apig_event(
        method="GET",
        path="/",
        headers={"X-Request-Id": "spoofed"},
        query={},
        path_parameters={},
        body=b"",
        request_id="real-id",
    )

    assert event["headers"] == {"x-request-id": "real-id"}


def test_apig_fixture_post_body_decodes_to_json(load_event: LoadEvent) -> None:
    fixture = load_event("apig_post_base64.json")

    decoded = json.loads(base64.b64decode(fixture["body"]))

    assert decoded == {"name": "OpenTelekomCloud"}


@pytest.mark.parametrize("version", ["v1.0", "v2.0"])
def test_timer_event_matches_fixture_shape(load_event: LoadEvent, version: str) -> None:
    fired = dt.datetime(2018, 6, 1, 8, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))

    event = timer_event(
        trigger_name="Timer_001",
        user_event='{"job": "sweep"}',
        time=fired,
        version=version,
    )

    expected = load_event("timer.json") | {"version": version}
    assert expected == event


def test_timer_event_defaults_to_now_in_utc() -> None:
    event = timer_event(trigger_name="t", user_event="")

    assert event["time"].endswith("+00:00")
    assert event["version"] == "v1.0"


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [
        ("smn.json", "smn"),
        ("apig_get.json", "apig"),
        ("apig_post_base64.json", "apig"),
        ("timer.json", "timer"),
    ],
)
def test_trigger_kind_recognises_fixture(
    load_event: LoadEvent, fixture: str, kind: str
) -> None:
    event = load_event(fixture)

    assert kind == trigger_kind(event)


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"record": "nope"},
        {"record": [{"event_source": "obs"}]},
        {"trigger_type": "CTS"},
    ],
)
def test_trigger_kind_other_for_unknown_shapes(event: dict[str, Any]) -> None:
    assert trigger_kind(event) == "other"
