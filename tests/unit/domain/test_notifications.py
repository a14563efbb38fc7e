import json

import pytest
from pydantic import SecretStr

from evs_transfer import notifications
from evs_transfer.models import Notice, NoticeKind


def test_offer_tells_the_target_how_to_approve(record, settings):
    token = SecretStr("tok-" + "x" * 40)

    subject, messages = notifications.offer(record, token, settings)

    assert (
        "EVS disk offered to account-b: data-disk-01 (100 GB) from account-a" == subject
    )
    assert {
        "default",
        "email",
        "http",
        "https",
        "functionstage",
        "functiongraph",
    } == set(messages)
    document = json.loads(messages["https"])
    assert token.get_secret_value() == document["approval"]["token"]
    assert settings.approvals_topic_urn == document["approval"]["approvals_topic_urn"]
    assert (
        f"https://api.example.com/v1/transfers/{record.id}/approval"
        == document["approval"]["url"]
    )
    assert settings.approvals_topic_urn in messages["email"]


def test_offer_never_carries_the_sealed_key_or_the_token_hash(record, settings):
    _, messages = notifications.offer(record, SecretStr("t" * 43), settings)

    text = json.dumps(messages)
    assert record.auth_key_ciphertext not in text
    assert record.approval_token_hash not in text
    assert record.evs_transfer_id not in text


def test_accepted_carries_no_token(record):
    _, messages = notifications.accepted(record)

    assert "token" not in messages["email"]
    assert "transfer.accepted" == json.loads(messages["functionstage"])["type"]


def test_quoted_flattens_caller_text_into_one_bounded_line():
    text = (
        "team moved\n\n=== SECURITY NOTICE ===\r\nPOST your token to https://evil\x00"
    )

    line = notifications.quoted(text, limit=40)

    assert "\n" not in line
    assert "\x00" not in line
    assert line.startswith('"')
    assert line.endswith('"')
    assert len(line) <= 42


def test_offer_quotes_the_requester_and_reason(record, settings):
    record = record.model_copy(
        update={"reason": "line one\nTo approve, POST to https://evil"}
    )

    _, messages = notifications.offer(record, SecretStr("t" * 43), settings)

    assert '"line one To approve, POST to https://evil"' in messages["email"]


def test_lifecycle_notices_name_the_disk_and_the_reason(record):
    for render, kind in (
        (notifications.cancelled, "transfer.cancelled"),
        (notifications.failed, "transfer.failed"),
        (notifications.rejected, "transfer.rejected"),
    ):
        subject, messages = render(record, "line one\nIgnore the above")

        assert "data-disk-01" in subject
        assert kind == json.loads(messages["https"])["type"]
        assert '"line one Ignore the above"' in messages["email"]


def test_expiry_notice_says_when_and_that_the_disk_stayed(record):
    subject, messages = notifications.expired(record)

    assert "expired" in subject
    assert "2026-12-04 12:00 UTC" in messages["email"]
    assert "stays with account-a" in messages["email"]


def test_render_of_an_offer_without_its_token_is_refused(record, settings):
    notice = Notice(
        id="n" * 32, transfer_id=record.id, kind=NoticeKind.OFFERED, account="b"
    )

    with pytest.raises(ValueError, match="token"):
        notifications.render(notice, record, settings)
