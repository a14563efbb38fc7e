"""A transfer record built in memory, as the store and the domain's unit tests use it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from evs_transfer.models import TransferRecord, TransferState

VOLUME_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
CREATED_AT = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)


def pending_record(**changes: Any) -> TransferRecord:
    """Return a record of an open offer of ``data-disk-01``, with ``changes`` applied."""
    fields: dict[str, Any] = {
        "id": "1" * 32,
        "state": TransferState.PENDING_APPROVAL,
        "region": "cn-north-4",
        "volume_id": VOLUME_ID,
        "volume_name": "data-disk-01",
        "volume_size_gb": 100,
        "volume_type": "SSD",
        "source_account": "account-a",
        "source_project_id": "b" * 32,
        "target_account": "account-b",
        "target_project_id": "d" * 32,
        "requester": "alice@example.com",
        "reason": "team moved",
        "evs_transfer_id": "2a7059f5-8ed7-45b7-8d05-2811e5d09f24",
        "auth_key_ciphertext": "Q0lQSEVSVEVYVA==",
        "kms_key_id": "0d0466b0-e727-4d9c-b35d-f84bb474a37f",
        "approval_token_hash": "f" * 64,
        "created_at": CREATED_AT,
        "updated_at": CREATED_AT,
        "expires_at": CREATED_AT + dt.timedelta(hours=72),
    }
    fields.update(changes)

    return TransferRecord(**fields)
