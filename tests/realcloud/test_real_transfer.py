"""Real cloud: one disk goes from account A to account B and back, on Huawei Cloud.

Opt-in. It runs the functions' code in this process with real credentials instead of
localcloud's, so it needs a deployed member setup (the member module applied in B, and B's
agency trusting the broker) but not the broker's functions. Set the broker's settings as
the functions get them (``EVS_TRANSFER_*``, with ``EVS_TRANSFER_ENDPOINTS`` unset), and:

- ``EVS_TRANSFER_REAL_ACCESS_KEY``, ``EVS_TRANSFER_REAL_SECRET_KEY`` (and, for temporary
  credentials, ``EVS_TRANSFER_REAL_SECURITY_TOKEN``): the broker's credentials, standing in
  for the function agency's;
- ``EVS_TRANSFER_REAL_VOLUME_ID``: a detached data disk of account A that may move;
- ``EVS_TRANSFER_REAL_SOURCE`` and ``EVS_TRANSFER_REAL_TARGET``: the member names of A and B.

Without them the test is skipped, and pytest's summary says so.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from pydantic import SecretStr

from evs_transfer import app
from evs_transfer.cloud.accounts import Cloud
from evs_transfer.models import Approval, Decision, TransferRequest, TransferState
from evs_transfer.workflow import Caller
from evs_transfer.workflow import create as create_step

REQUIRED = (
    "EVS_TRANSFER_REAL_ACCESS_KEY",
    "EVS_TRANSFER_REAL_SECRET_KEY",
    "EVS_TRANSFER_REAL_VOLUME_ID",
    "EVS_TRANSFER_REAL_SOURCE",
    "EVS_TRANSFER_REAL_TARGET",
    "EVS_TRANSFER_REGION",
    "EVS_TRANSFER_MEMBERS",
)
MISSING = [name for name in REQUIRED if not os.environ.get(name)]

pytestmark = [
    pytest.mark.realcloud,
    pytest.mark.skipif(
        bool(MISSING), reason=f"real-cloud test: set {', '.join(MISSING)} to run it"
    ),
]


class RealContext:
    """The FunctionGraph context, with the broker's own credentials."""

    def getRequestID(self) -> str:  # noqa: N802 - FunctionGraph's API
        return uuid.uuid4().hex

    def getRemainingTimeInMilliSeconds(self) -> int:  # noqa: N802
        return 300_000

    def getSecurityAccessKey(self) -> str:  # noqa: N802
        return os.environ["EVS_TRANSFER_REAL_ACCESS_KEY"]

    def getSecuritySecretKey(self) -> str:  # noqa: N802
        return os.environ["EVS_TRANSFER_REAL_SECRET_KEY"]

    def getSecurityToken(self) -> str:  # noqa: N802
        return os.environ.get("EVS_TRANSFER_REAL_SECURITY_TOKEN", "")


def move(volume_id: str, source: str, target: str, monkeypatch: Any) -> None:
    """Offer the disk, approve with the token the offer carried, check the new owner."""
    tokens: list[SecretStr] = []
    issue = create_step.new_approval_token

    def remember() -> SecretStr:
        tokens.append(issue())
        return tokens[-1]

    # The token travels only in the SMN offer, which this test cannot read: keep a copy.
    monkeypatch.setattr(create_step, "new_approval_token", remember)
    service = app.current_app().service(RealContext())
    caller = Caller(actor="realcloud-test", request_id=uuid.uuid4().hex)
    request = TransferRequest(
        volume_id=volume_id,
        source_account=source,
        target_account=target,
        requester="realcloud-test",
        reason="opt-in end-to-end test; moved back right after",
    )
    record = service.create(request, caller)
    approval = Approval(
        transfer_id=record.id, decision=Decision.APPROVE, token=tokens[-1]
    )
    decided = service.decide(approval, caller)

    instance = app.current_app()
    cloud = Cloud(
        instance.settings,
        app.function_credentials(RealContext()),
        instance.agency_cache,
    )
    target_member = instance.settings.member(target)
    volume = cloud.evs(target_member).show_volume(volume_id)

    assert TransferState.ACCEPTED == decided.state
    assert volume is not None
    assert target_member.project_id(instance.settings.region) == volume.project_id


def test_a_disk_moves_to_the_target_and_back(monkeypatch):
    volume_id = os.environ["EVS_TRANSFER_REAL_VOLUME_ID"]
    source = os.environ["EVS_TRANSFER_REAL_SOURCE"]
    target = os.environ["EVS_TRANSFER_REAL_TARGET"]

    move(volume_id, source, target, monkeypatch)
    move(volume_id, target, source, monkeypatch)
