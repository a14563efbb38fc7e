"""Fault specs and matching, and the EVS quota arithmetic."""

from __future__ import annotations

import pydantic
import pytest

from localcloud.core.auth import Caller
from localcloud.core.faults import FaultInjector, FaultSpec
from localcloud.evs.models import Volume
from localcloud.evs.quotas import QuotaLimits, TypeLimits, admits

A = Caller(domain_id="a" * 32, account_name="broker", user_id="u")
B = Caller(domain_id="b" * 32, account_name="account-b", user_id="u")


def _volume(size: int, volume_type: str = "SSD") -> Volume:
    return Volume(
        id=f"v{size}",
        name="v",
        project_id="p",
        user_id="u",
        size=size,
        volume_type=volume_type,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "status"}, "a status fault needs status"),
        ({"kind": "reset", "status": 500}, "status and retry_after apply"),
        ({"kind": "latency"}, "latency_ms is required by"),
        ({"kind": "reset", "latency_ms": 5}, "latency_ms is required by"),
        ({"kind": "reset", "count": 0}, "greater than or equal to 1"),
        ({"kind": "explode"}, "Input should be"),
    ],
)
def test_fault_spec_refuses_options_not_fitting_kind(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(pydantic.ValidationError, match=message):
        FaultSpec.model_validate({"operation": "show_volume", **fields})


def test_fault_spec_defaults_retry_after_for_throttling_only() -> None:
    throttled = FaultSpec(operation="x", kind="status", status=429)
    failed = FaultSpec(operation="x", kind="status", status=503)

    assert (1, None) == (throttled.retry_after_seconds, failed.retry_after_seconds)


def test_injector_matches_operation_account_and_count() -> None:
    injector = FaultInjector(["show_volume", "list_backups"])
    injector.add(
        FaultSpec(operation="show_volume", kind="reset", count=1, account="account-b")
    )

    hits = [
        injector.take("show_volume", A),
        injector.take("list_backups", B),
        injector.take("show_volume", B),
        injector.take("show_volume", B),
    ]

    assert [None, None, "reset", None] == [h.kind if h else None for h in hits]


def test_injector_oldest_matching_fault_wins() -> None:
    injector = FaultInjector(["show_volume"])
    injector.add(FaultSpec(operation="show_volume", kind="status", status=500, count=1))
    injector.add(FaultSpec(operation="show_volume", kind="reset"))

    kinds = [injector.take("show_volume", A) for _ in range(2)]

    assert ["status", "reset"] == [k.kind if k else None for k in kinds]


def test_injector_refuses_unknown_operation() -> None:
    injector = FaultInjector(["show_volume"])

    with pytest.raises(ValueError, match="unknown operation 'nope'"):
        injector.add(FaultSpec(operation="nope", kind="reset"))


def test_quota_admits_up_to_the_limit_and_unlimited_types() -> None:
    limits = QuotaLimits(volumes=2, gigabytes=50, types={"SSD": TypeLimits(volumes=2)})

    fits = admits(limits, [_volume(10)], _volume(40))
    too_big = admits(limits, [_volume(10)], _volume(41))
    too_many = admits(limits, [_volume(1), _volume(2)], _volume(3))
    unlimited = admits(
        QuotaLimits(volumes=-1, gigabytes=-1), [_volume(9000)], _volume(9000, "SAS")
    )

    assert (True, False, False, True) == (fits, too_big, too_many, unlimited)
