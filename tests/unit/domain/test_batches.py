"""Unit: batch requests, their per-disk keys, the batch notices, requests topics."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import SecretStr, ValidationError

from evs_transfer.batch_notifications import batch_offer, batch_outcome
from evs_transfer.batches import (
    BatchRecord,
    BatchRequest,
    BatchState,
    item_client_token,
    item_position,
)
from evs_transfer.config import MemberAccount, Settings
from evs_transfer.models import Decision, TransferRequest, TransferState

DISK = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
OTHER = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f1"
BATCH = "9" * 32
ACCOUNTS = {
    "source_account": "account-a",
    "target_account": "account-b",
    "requester": "alice",
}


def batch_record(**changes: object) -> BatchRecord:
    now = dt.datetime(2026, 12, 4, tzinfo=dt.timezone.utc)
    fields = {
        "id": BATCH,
        "state": BatchState.PENDING_APPROVAL,
        "request_key": "k" * 16,
        "digest": "d" * 64,
        "source_account": "account-a",
        "target_account": "account-b",
        "requester": "alice",
        "selector": {"volume_ids": 2},
        "created_at": now,
        "updated_at": now,
        **changes,
    }
    return BatchRecord.model_validate(fields)


@pytest.mark.parametrize(
    "selection",
    [
        {},
        {"volume_ids": [DISK], "tag": {"key": "team"}},
        {"volume_ids": [DISK, DISK]},
        {"volume_ids": []},
        {"tag": {"key": ""}},
    ],
)
def test_batch_request_with_a_bad_selection_is_refused(selection: dict) -> None:
    with pytest.raises(ValidationError):
        BatchRequest.model_validate({**ACCOUNTS, **selection})


def test_batch_request_digest_ignores_the_token_and_the_dry_run() -> None:
    plain = BatchRequest.model_validate({**ACCOUNTS, "volume_ids": [DISK, OTHER]})
    keyed = BatchRequest.model_validate(
        {**ACCOUNTS, "volume_ids": [DISK, OTHER], "client_token": "t" * 8}
    )
    reordered = BatchRequest.model_validate({**ACCOUNTS, "volume_ids": [OTHER, DISK]})

    assert plain.digest() == keyed.digest()
    assert plain.digest() != reordered.digest()
    assert {"volume_ids": 2} == plain.selector()


def test_item_keys_round_trip_and_name_their_batch_only() -> None:
    key = item_client_token(BATCH, 7)

    assert 7 == item_position(BATCH, key)
    assert None is item_position("8" * 32, key)
    assert None is item_position(BATCH, f"batch:{BATCH}:x7")
    assert None is item_position(BATCH, None)


def test_callers_may_not_take_a_batch_key() -> None:
    fields = {**ACCOUNTS, "volume_id": DISK, "client_token": f"batch:{BATCH}:0"}

    with pytest.raises(ValidationError):
        TransferRequest.model_validate(fields)
    with pytest.raises(ValidationError):
        TransferRequest.model_validate({**fields, "batch_id": "8" * 32})

    assert (
        BATCH == TransferRequest.model_validate({**fields, "batch_id": BATCH}).batch_id
    )


def test_batch_offer_carries_one_token_and_lists_the_disks(record, settings) -> None:
    token = SecretStr("tok-" + "y" * 40)
    disks = [record, record.model_copy(update={"id": "e" * 32, "volume_size_gb": 5})]

    subject, messages = batch_offer(batch_record(), disks, settings, token)

    document = json.loads(messages["https"])
    assert subject.startswith("2 EVS disks (105 GB) offered to account-b")
    assert token.get_secret_value() == document["approval"]["token"]
    assert 2 == document["transfer_count"]
    assert f"/batches/{BATCH}/approval?token=" in document["approval"]["page_url"]
    assert messages["email"].count(token.get_secret_value()) == 2  # JSON and link


def test_batch_outcome_names_what_did_not_move(record) -> None:
    moved = record.model_copy(update={"state": TransferState.ACCEPTED})
    failed = record.model_copy(
        update={"id": "e" * 32, "state": TransferState.FAILED, "failure_reason": "x"}
    )

    subject, messages = batch_outcome(
        batch_record(decision=Decision.APPROVE), [moved, failed]
    )

    assert subject.endswith("1 of 2 disks moved")
    assert "decided to approve" in messages["email"]
    assert "failed, x" in messages["email"]
    assert "token" not in messages["https"]


def test_requests_topics_name_their_member(settings: Settings) -> None:
    topic = "urn:smn:cn-north-4:" + "b" * 32 + ":requests-b"
    members = (
        settings.members[0],
        settings.members[1].model_copy(update={"requests_topic_urn": topic}),
    )
    bound = settings.model_copy(update={"members": members})

    assert "account-b" == bound.requester_of(topic).name
    assert None is bound.requester_of(settings.approvals_topic_urn)


def test_a_member_topic_may_not_be_the_shared_one(settings: Settings) -> None:
    shared = "urn:smn:cn-north-4:" + "b" * 32 + ":requests"
    member = MemberAccount.model_validate(
        {**settings.members[1].model_dump(), "requests_topic_urn": shared}
    )

    with pytest.raises(ValidationError):
        Settings.model_validate(
            {
                **settings.model_dump(),
                "requests_topic_urn": shared,
                "members": [settings.members[0].model_dump(), member.model_dump()],
            }
        )
