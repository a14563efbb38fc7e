import base64
import json

import pytest

from evs_transfer.errors import InvalidRequest
from evs_transfer.events import ApigEvent, SmnEvent, parse, smn_payload, trigger_kind
from evs_transfer.models import Approval


def apig(body: str, *, encoded: bool) -> ApigEvent:
    return ApigEvent(
        httpMethod="POST",
        path="/transfers",
        body=base64.b64encode(body.encode()).decode() if encoded else body,
        isBase64Encoded=encoded,
    )


@pytest.mark.parametrize("encoded", [True, False])
def test_apig_json_body_decodes_either_encoding(encoded):
    event = apig('{"volume_id": "v"}', encoded=encoded)

    assert {"volume_id": "v"} == event.json_body()


def test_apig_json_body_refuses_bad_base64():
    event = ApigEvent(httpMethod="POST", path="/", body="%%%", isBase64Encoded=True)

    with pytest.raises(InvalidRequest) as caught:
        event.json_body()

    assert "the request body is not valid Base64" == caught.value.message


def test_apig_json_body_refuses_text_that_is_not_json():
    with pytest.raises(InvalidRequest) as caught:
        apig("volume=1", encoded=False).json_body()

    assert [{"field": "body"}] == caught.value.details


def test_apig_json_body_of_empty_body_is_none():
    assert apig("", encoded=True).json_body() is None


@pytest.mark.parametrize(
    ("event", "kind"),
    [
        ({"httpMethod": "GET"}, "apig"),
        ({"record": []}, "smn"),
        ({"trigger_type": "TIMER"}, "timer"),
        ({"other": 1}, "unknown"),
        ("text", "unknown"),
    ],
)
def test_trigger_kind_names_the_trigger(event, kind):
    assert kind == trigger_kind(event)


def test_parse_names_fields_without_echoing_values():
    secret = "x" * 40
    with pytest.raises(InvalidRequest) as caught:
        parse(
            Approval,
            {"transfer_id": "nope", "decision": "maybe", "token": secret},
            what="approval",
        )

    fields = sorted(detail["field"] for detail in caught.value.details)
    assert ["decision", "transfer_id"] == fields
    assert secret not in json.dumps(caught.value.to_dict())


def test_smn_payload_refuses_text_that_is_not_json():
    event = SmnEvent.model_validate(
        {
            "record": [
                {
                    "event_source": "smn",
                    "smn": {"topic_urn": "urn", "message": "hello", "message_id": "m"},
                }
            ]
        }
    )

    with pytest.raises(InvalidRequest) as caught:
        smn_payload(event.record[0])

    assert "the SMN message is not JSON" == caught.value.message


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 200_000,
        b'{"volume_id": ' + b"1" * 5000 + b"}",
        b'{"a":' * 100_000,
        b"\xff\xfe",
    ],
    ids=["deep-list", "huge-integer", "deep-object", "not-utf8"],
)
def test_apig_json_body_turns_hostile_json_into_a_client_error(body):
    event = ApigEvent(
        httpMethod="POST",
        path="/",
        body=base64.b64encode(body).decode(),
        isBase64Encoded=True,
    )

    with pytest.raises(InvalidRequest) as caught:
        event.json_body()

    assert "invalid_request" == caught.value.code
