import json

from pydantic import SecretStr

from evs_transfer import notifications


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
