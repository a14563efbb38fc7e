"""Injected faults and ``before`` hooks, as the real SDK clients experience them."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import requests
from huaweicloudsdkcbr.v1 import ListBackupsRequest
from huaweicloudsdkcore.exceptions.exceptions import (
    ClientRequestException,
    ConnectionException,
    ServerResponseException,
)
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkevs.v2 import (
    CinderListVolumeTransfersRequest,
    ListSnapshotsRequest,
    ShowVolumeRequest,
)

from localcloud import LocalCloud
from localcloud.core.faults import FaultKind
from tests.functional.localcloud.conftest import ClientFactory, http_call
from tests.functional.localcloud.demo_ids import BROKER_VOLUME, SAS_VOLUME
from tests.functional.localcloud.test_evs_volumes_and_transfers import _create

CREATE = "cinder_create_volume_transfer"


def _show(evs: Any, volume_id: str = BROKER_VOLUME) -> Any:
    return evs.show_volume(ShowVolumeRequest(volume_id=volume_id)).volume


def _faulted(cloud: LocalCloud, operation: str) -> list[tuple[Any, Any]]:
    return [
        (c["fault"], c["status"]) for c in cloud.calls if c["operation"] == operation
    ]


def test_post_throttled_raises_client_error_with_apigw_code(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.add_fault(CREATE, "status", status=429, count=1)

    with pytest.raises(ClientRequestException) as caught:
        _create(client("evs"), BROKER_VOLUME)

    assert (429, "APIGW.0308", "The throttling threshold has been reached.") == (
        caught.value.status_code,
        caught.value.error_code,
        caught.value.error_msg,
    )
    assert "available" == _show(client("evs")).status


def test_get_throttled_is_retried_after_retry_after(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.add_fault("show_volume", "status", status=429, retry_after=0, count=1)
    config = HttpConfig.get_default_config()
    config.retry_times = 1

    volume = _show(client("evs", config=config))

    assert BROKER_VOLUME == volume.id
    assert [("status", 429), (None, 200)] == _faulted(localcloud, "show_volume")


def test_get_throttled_without_retries_raises_429(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.add_fault("show_volume", "status", status=429)

    with pytest.raises(ClientRequestException) as caught:
        _show(client("evs"))

    assert 429 == caught.value.status_code


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (500, "EVS.5500", "Internal server error."),
        (503, "EVS.5503", "Service unavailable."),
    ],
)
def test_server_errors_raise_server_response_exception(
    localcloud: LocalCloud,
    client: ClientFactory,
    status: int,
    code: str,
    message: str,
) -> None:
    localcloud.add_fault(CREATE, "status", status=status)

    with pytest.raises(ServerResponseException) as caught:
        _create(client("evs"), BROKER_VOLUME)

    assert (status, code, message) == (
        caught.value.status_code,
        caught.value.error_code,
        caught.value.error_msg,
    )


def test_server_error_uses_the_service_error_shape(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.add_fault("list_backups", "status", status=503)

    with pytest.raises(ServerResponseException) as caught:
        client("cbr").list_backups(ListBackupsRequest(resource_id=BROKER_VOLUME))

    assert (503, "BackupService.0503", "Service unavailable.") == (
        caught.value.status_code,
        caught.value.error_code,
        caught.value.error_msg,
    )


def test_latency_delays_the_answer(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.add_fault("show_volume", "latency", latency_ms=300, count=1)
    evs = client("evs")
    started = time.monotonic()

    volume = _show(evs)

    assert BROKER_VOLUME == volume.id
    assert time.monotonic() - started >= 0.25
    assert [("latency", 200)] == _faulted(localcloud, "show_volume")


def test_latency_beyond_read_timeout_surfaces_like_the_cloud(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.add_fault("show_volume", "latency", latency_ms=1500, count=1)
    localcloud.add_fault(CREATE, "latency", latency_ms=1500, count=1)
    config = HttpConfig.get_default_config()
    config.timeout = (5, 0.3)
    evs = client("evs", config=config)

    with pytest.raises(ConnectionException):
        _show(evs)
    with pytest.raises(requests.exceptions.ReadTimeout):
        _create(evs, SAS_VOLUME)

    # The server still finishes the slow create; let it land before the next test.
    deadline = time.monotonic() + 5
    while not _faulted(localcloud, CREATE) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [("latency", 202)] == _faulted(localcloud, CREATE)


@pytest.mark.parametrize("kind", ["reset", "drop_response"])
def test_lost_answers_raise_connection_exception(
    localcloud: LocalCloud, client: ClientFactory, kind: FaultKind
) -> None:
    localcloud.add_fault("show_volume", kind, count=1)

    with pytest.raises(ConnectionException):
        _show(client("evs"))

    assert BROKER_VOLUME == _show(client("evs")).id


def test_reset_create_does_not_create(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.add_fault(CREATE, "reset", count=1)
    evs = client("evs")

    with pytest.raises(ConnectionException):
        _create(evs, BROKER_VOLUME)

    transfers = evs.cinder_list_volume_transfers(CinderListVolumeTransfersRequest())
    assert ([], "available") == (transfers.transfers, _show(evs).status)
    assert [("reset", None)] == _faulted(localcloud, CREATE)


def test_dropped_create_response_has_created_the_transfer(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.add_fault(CREATE, "drop_response", count=1)
    evs = client("evs")

    with pytest.raises(ConnectionException):
        _create(evs, BROKER_VOLUME)

    transfers = evs.cinder_list_volume_transfers(CinderListVolumeTransfersRequest())
    assert [BROKER_VOLUME] == [t.volume_id for t in transfers.transfers]
    assert "awaiting-transfer" == _show(evs).status
    assert [("drop_response", 202)] == _faulted(localcloud, CREATE)


def test_count_limits_a_fault_to_its_first_calls(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.add_fault("show_volume", "status", status=500, count=2)
    evs = client("evs")

    for _ in range(2):
        with pytest.raises(ServerResponseException):
            _show(evs)
    volume = _show(evs)

    assert BROKER_VOLUME == volume.id
    assert [("status", 500), ("status", 500), (None, 200)] == _faulted(
        localcloud, "show_volume"
    )
    assert (2, 0) == (localcloud.faults[0]["fired"], localcloud.faults[0]["remaining"])


@pytest.mark.parametrize("account", ["account-b", "b0000000000000000000000000000001"])
def test_account_scoped_fault_hits_only_that_account(
    localcloud: LocalCloud, client: ClientFactory, account: str
) -> None:
    localcloud.add_fault("list_snapshots", "status", status=503, account=account)

    broker_snapshots = client("evs").list_snapshots(ListSnapshotsRequest())
    with pytest.raises(ServerResponseException) as caught:
        client("evs", "account-b").list_snapshots(ListSnapshotsRequest())

    assert 1 == broker_snapshots.count
    assert 503 == caught.value.status_code


def test_admin_api_arms_lists_and_clears_faults(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    base = f"{localcloud.url}/_localcloud/faults"
    fault = {"operation": "show_volume", "kind": "status", "status": 503, "count": 1}

    added = http_call("POST", base, json.dumps(fault).encode())
    listed = http_call("GET", base)
    with pytest.raises(ServerResponseException):
        _show(client("evs"))
    after = http_call("GET", base)
    cleared = http_call("DELETE", base)

    armed = json.loads(added[2])["fault"]
    assert (201, "show_volume", 503, 1) == (
        added[0],
        armed["operation"],
        armed["status"],
        armed["remaining"],
    )
    assert [armed] == json.loads(listed[2])["faults"]
    assert (1, 0) == (
        json.loads(after[2])["faults"][0]["fired"],
        json.loads(after[2])["faults"][0]["remaining"],
    )
    assert (200, {"deleted": 1}) == (cleared[0], json.loads(cleared[2]))
    assert [] == localcloud.faults


def test_admin_api_deletes_one_fault(localcloud: LocalCloud) -> None:
    armed = localcloud.add_fault("show_volume", "reset")
    url = f"{localcloud.url}/_localcloud/faults/{armed['id']}"

    first = http_call("DELETE", url)
    second = http_call("DELETE", url)

    assert (200, 404) == (first[0], second[0])
    assert [] == localcloud.faults


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (
            {"operation": "show_volumes", "kind": "reset"},
            "invalid fault: unknown operation 'show_volumes'",
        ),
        (
            {"operation": "show_volume", "kind": "status"},
            "invalid fault: body: Value error, a status fault needs status",
        ),
    ],
)
def test_admin_api_refuses_bad_fault(
    localcloud: LocalCloud, fault: dict[str, Any], message: str
) -> None:
    status, _, body = http_call(
        "POST", f"{localcloud.url}/_localcloud/faults", json.dumps(fault).encode()
    )

    assert (400, "LocalCloud.0400", message) == (
        status,
        json.loads(body)["error"]["code"],
        json.loads(body)["error"]["message"],
    )


def test_world_file_faults_are_armed_at_seeding(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    assert localcloud.world is not None
    world = localcloud.world.model_dump()
    world["faults"] = [
        {"operation": "show_volume", "kind": "status", "status": 500, "count": 1}
    ]
    localcloud.seed(world)

    with pytest.raises(ServerResponseException):
        _show(client("evs"))

    assert BROKER_VOLUME == _show(client("evs")).id


def test_before_hook_races_a_snapshot_into_create(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    localcloud.before(
        CREATE, lambda: localcloud.evs.create_snapshot(BROKER_VOLUME, name="race")
    )
    evs = client("evs")
    snapshots_before = evs.list_snapshots(
        ListSnapshotsRequest(volume_id=BROKER_VOLUME)
    ).count

    with pytest.raises(ClientRequestException) as caught:
        _create(evs, BROKER_VOLUME)

    assert 0 == snapshots_before
    assert (
        400,
        "EVS.5400",
        "Invalid volume: volume has snapshots, which cannot be transferred",
    ) == (caught.value.status_code, caught.value.error_code, caught.value.error_msg)


def test_before_hook_runs_for_the_given_number_of_calls(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    seen: list[str] = []
    localcloud.before("show_volume", lambda: seen.append("called"), times=2)
    evs = client("evs")

    for _ in range(3):
        _show(evs)

    assert ["called", "called"] == seen


def test_before_hook_refuses_unknown_operation(localcloud: LocalCloud) -> None:
    with pytest.raises(ValueError, match="unknown operation 'show_volumes'"):
        localcloud.before("show_volumes", lambda: None)
