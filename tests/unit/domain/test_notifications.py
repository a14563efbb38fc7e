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
