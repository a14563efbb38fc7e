import json

import pytest
import structlog
from pydantic import SecretStr

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
