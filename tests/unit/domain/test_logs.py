import json

import pytest
import structlog
from pydantic import SecretStr

from evs_transfer.cloud.sdk import CloudCredentials
from evs_transfer.logs import REDACTED, configure_logging, get_logger, redact


@pytest.mark.parametrize(
    "field",
    [
        "auth_key",
        "authKey",
        "token",
        "approval_token",
        "secret",
        "sk",
        "security_token",
        "access_key",
        "password",
        "cipher_text",
        "plain_text",
        "authorization",
    ],
)
def test_redact_masks_secret_fields(field):
    event = redact(None, "info", {"event": "x", field: "material"})

    assert REDACTED == event[field]


def test_redact_masks_secret_values_anywhere():
    event = redact(
        None,
        "info",
        {
            "event": "x",
            "body": {"nested": [SecretStr("material")]},
            "other": SecretStr("m"),
        },
    )

    assert {"nested": [REDACTED]} == event["body"]
    assert REDACTED == event["other"]


def test_redact_keeps_identifiers():
    event = redact(
        None,
        "info",
        {"event": "transfer.created", "transfer_id": "t1", "volume_id": "v"},
    )

    assert {"event": "transfer.created", "transfer_id": "t1", "volume_id": "v"} == event


def test_logger_writes_one_json_line_with_bound_ids(capsys):
    structlog.reset_defaults()
    configure_logging()

    with structlog.contextvars.bound_contextvars(request_id="r-1"):
        get_logger().info(
            "transfer.created", transfer_id="t-1", auth_key="9266c59563c84664"
        )

    line = json.loads(capsys.readouterr().out.strip())
    assert "transfer.created" == line["event"]
    assert "r-1" == line["request_id"]
    assert "t-1" == line["transfer_id"]
    assert REDACTED == line["auth_key"]


def test_objects_that_hold_material_show_none_of_it_when_logged(
    settings, record, capsys
):
    structlog.reset_defaults()
    configure_logging()
    with_password = settings.model_copy(
        update={"store_url": SecretStr("postgresql+psycopg://u:pa55word@db/x")}
    )
    credentials = CloudCredentials(
        access="AKEXAMPLE", secret="SKEXAMPLE", security_token="STEXAMPLE"
    )

    get_logger().info(
        "debugging", settings=with_password, record=record, credentials=credentials
    )
    text = (
        capsys.readouterr().out + repr(with_password) + repr(record) + str(credentials)
    )

    assert "pa55word" not in text
    assert record.auth_key_ciphertext not in text
    assert record.approval_token_hash not in text
    assert [] == [m for m in ("AKEXAMPLE", "SKEXAMPLE", "STEXAMPLE") if m in text]
