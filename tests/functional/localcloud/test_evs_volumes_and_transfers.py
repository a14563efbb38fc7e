"""EVS volumes, snapshots and the transfer state machine, through the real SDK."""

from __future__ import annotations

import re
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkevs.v2 import (
    CinderAcceptVolumeTransferOption,
    CinderAcceptVolumeTransferRequest,
    CinderAcceptVolumeTransferRequestBody,
    CinderCreateVolumeTransferRequest,
    CinderCreateVolumeTransferRequestBody,
    CinderDeleteVolumeTransferRequest,
    CinderListVolumeTransfersRequest,
    CinderShowVolumeTransferRequest,
    CreateVolumeTransferOption,
    ListSnapshotsRequest,
    ListVolumesByTagsRequest,
    ListVolumesByTagsRequestBody,
    ListVolumesRequest,
    ShowVolumeRequest,
    TagsForListVolumes,
)

from tests.functional.localcloud.conftest import ClientFactory
from tests.functional.localcloud.demo_ids import (
    B_PROJECT,
    BROKER_PROJECT,
    BROKER_VOLUME,
    IN_USE_VOLUME,
    SAS_VOLUME,
    SNAPSHOTTED_VOLUME,
)


def _create(evs: Any, volume_id: str, name: str = "to-b") -> Any:
    option = CreateVolumeTransferOption(name=name, volume_id=volume_id)
    body = CinderCreateVolumeTransferRequestBody(transfer=option)
    return evs.cinder_create_volume_transfer(
        CinderCreateVolumeTransferRequest(body=body)
    )


def _accept(evs: Any, transfer_id: str, auth_key: str) -> Any:
    option = CinderAcceptVolumeTransferOption(auth_key=auth_key)
    body = CinderAcceptVolumeTransferRequestBody(accept=option)
    request = CinderAcceptVolumeTransferRequest(transfer_id=transfer_id, body=body)
    return evs.cinder_accept_volume_transfer(request)


def _status(evs: Any, volume_id: str) -> str:
    return str(evs.show_volume(ShowVolumeRequest(volume_id=volume_id)).volume.status)


def test_show_volume_returns_volume_detail_of_owner(client: ClientFactory) -> None:
    volume = (
        client("evs").show_volume(ShowVolumeRequest(volume_id=BROKER_VOLUME)).volume
    )

    assert ("data-disk-01", 100, "SSD", "available") == (
        volume.name,
        volume.size,
        volume.volume_type,
        volume.status,
    )
    assert BROKER_PROJECT == volume.os_vol_tenant_attrtenant_id
    assert ("false", False, "EVS", []) == (
        volume.bootable,
        volume.multiattach,
        volume.service_type,
        volume.attachments,
    )


def test_show_volume_of_other_project_is_not_found(client: ClientFactory) -> None:
    evs_b = client("evs", "account-b")

    with pytest.raises(ClientRequestException) as caught:
        evs_b.show_volume(ShowVolumeRequest(volume_id=BROKER_VOLUME))

    assert 404 == caught.value.status_code
    assert "EVS.5404" == caught.value.error_code
    assert (
        "Resource(Volume, Snapshot, Backup .etc) cound not be found."
        == caught.value.error_msg
    )


def test_show_volume_of_in_use_disk_lists_attachment(client: ClientFactory) -> None:
    volume = (
        client("evs").show_volume(ShowVolumeRequest(volume_id=IN_USE_VOLUME)).volume
    )

    assert "in-use" == volume.status
    assert ["40000000-0000-4000-8000-000000000001"] == [
        a.server_id for a in volume.attachments
    ]


def test_list_volumes_filters_and_pages(client: ClientFactory) -> None:
    evs = client("evs")

    everything = evs.list_volumes(ListVolumesRequest())
    available = evs.list_volumes(
        ListVolumesRequest(status="available", limit=1, offset=1)
    )
    by_name = evs.list_volumes(ListVolumesRequest(name="data-disk-02"))

    assert 6 == everything.count
    assert (5, [SAS_VOLUME]) == (available.count, [v.id for v in available.volumes])
    assert [SAS_VOLUME] == [v.id for v in by_name.volumes]
    assert 0 == client("evs", "account-b").list_volumes(ListVolumesRequest()).count


def test_list_snapshots_by_volume(client: ClientFactory) -> None:
    evs = client("evs")

    with_snapshot = evs.list_snapshots(
        ListSnapshotsRequest(volume_id=SNAPSHOTTED_VOLUME)
    )
    without = evs.list_snapshots(ListSnapshotsRequest(volume_id=BROKER_VOLUME))

    assert (1, SNAPSHOTTED_VOLUME) == (
        with_snapshot.count,
        with_snapshot.snapshots[0].volume_id,
    )
    assert (0, []) == (without.count, without.snapshots)


def test_create_transfer_returns_auth_key_once_and_awaits_transfer(
    client: ClientFactory,
) -> None:
    evs = client("evs")

    created = _create(evs, BROKER_VOLUME)
    shown = evs.cinder_show_volume_transfer(
        CinderShowVolumeTransferRequest(transfer_id=created.transfer.id)
    )

    assert 202 == created.status_code
    assert re.fullmatch(r"[0-9a-f]{16}", created.transfer.auth_key)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", created.transfer.created_at
    )
    assert "self" == created.transfer.links[0].rel
    assert (200, None) == (shown.status_code, getattr(shown.transfer, "auth_key", None))
    assert (created.transfer.id, "to-b", BROKER_VOLUME) == (
        shown.transfer.id,
        shown.transfer.name,
        shown.transfer.volume_id,
    )
    assert "awaiting-transfer" == _status(evs, BROKER_VOLUME)


def test_accept_transfer_moves_volume_to_accepting_project(
    client: ClientFactory,
) -> None:
    evs_a, evs_b = client("evs"), client("evs", "account-b")
    created = _create(evs_a, BROKER_VOLUME)

    accepted = _accept(evs_b, created.transfer.id, created.transfer.auth_key)

    volume = evs_b.show_volume(ShowVolumeRequest(volume_id=BROKER_VOLUME)).volume
    assert (202, BROKER_VOLUME) == (accepted.status_code, accepted.transfer.volume_id)
    assert (B_PROJECT, "available") == (
        volume.os_vol_tenant_attrtenant_id,
        volume.status,
    )
    with pytest.raises(ClientRequestException) as gone:
        evs_a.show_volume(ShowVolumeRequest(volume_id=BROKER_VOLUME))
    assert 404 == gone.value.status_code


def test_transfer_is_not_found_after_accept(client: ClientFactory) -> None:
    evs_a, evs_b = client("evs"), client("evs", "account-b")
    created = _create(evs_a, BROKER_VOLUME)
    _accept(evs_b, created.transfer.id, created.transfer.auth_key)

    with pytest.raises(ClientRequestException) as shown:
        evs_a.cinder_show_volume_transfer(
            CinderShowVolumeTransferRequest(transfer_id=created.transfer.id)
        )
    with pytest.raises(ClientRequestException) as again:
        _accept(evs_b, created.transfer.id, created.transfer.auth_key)

    expected = (404, "EVS.5404", f"Transfer {created.transfer.id} could not be found.")
    assert expected == (
        shown.value.status_code,
        shown.value.error_code,
        shown.value.error_msg,
    )
    assert expected == (
        again.value.status_code,
        again.value.error_code,
        again.value.error_msg,
    )


def test_accept_with_wrong_auth_key_is_refused(client: ClientFactory) -> None:
    evs_a, evs_b = client("evs"), client("evs", "account-b")
    created = _create(evs_a, BROKER_VOLUME)

    with pytest.raises(ClientRequestException) as caught:
        _accept(evs_b, created.transfer.id, "0000000000000000")

    assert (400, "EVS.5400") == (caught.value.status_code, caught.value.error_code)
    assert (
        f"Invalid auth key: Attempt to transfer {created.transfer.id} with invalid auth key."
    ) == caught.value.error_msg
    assert "awaiting-transfer" == _status(evs_a, BROKER_VOLUME)


def test_transfer_is_visible_only_to_donor_project(client: ClientFactory) -> None:
    evs_a, evs_b = client("evs"), client("evs", "account-b")
    created = _create(evs_a, BROKER_VOLUME)

    listed_a = evs_a.cinder_list_volume_transfers(CinderListVolumeTransfersRequest())
    listed_b = evs_b.cinder_list_volume_transfers(CinderListVolumeTransfersRequest())
    with pytest.raises(ClientRequestException) as caught:
        evs_b.cinder_delete_volume_transfer(
            CinderDeleteVolumeTransferRequest(transfer_id=created.transfer.id)
        )

    assert [created.transfer.id] == [t.id for t in listed_a.transfers]
    assert [] == listed_b.transfers
    assert 404 == caught.value.status_code


def test_list_transfers_pages_with_limit_and_offset(client: ClientFactory) -> None:
    evs = client("evs")
    first = _create(evs, BROKER_VOLUME, "first")
    second = _create(evs, SAS_VOLUME, "second")

    page = evs.cinder_list_volume_transfers(
        CinderListVolumeTransfersRequest(limit=1, offset=1)
    )
    everything = evs.cinder_list_volume_transfers(
        CinderListVolumeTransfersRequest(limit=10)
    )

    assert [second.transfer.id] == [t.id for t in page.transfers]
    assert [first.transfer.id, second.transfer.id] == [
        t.id for t in everything.transfers
    ]


def test_delete_transfer_makes_volume_available_again(client: ClientFactory) -> None:
    evs = client("evs")
    created = _create(evs, BROKER_VOLUME)

    deleted = evs.cinder_delete_volume_transfer(
        CinderDeleteVolumeTransferRequest(transfer_id=created.transfer.id)
    )

    assert 202 == deleted.status_code
    assert "available" == _status(evs, BROKER_VOLUME)
    with pytest.raises(ClientRequestException) as caught:
        evs.cinder_delete_volume_transfer(
            CinderDeleteVolumeTransferRequest(transfer_id=created.transfer.id)
        )
    assert 404 == caught.value.status_code


def test_second_create_on_same_volume_is_refused(client: ClientFactory) -> None:
    evs = client("evs")
    _create(evs, BROKER_VOLUME)

    with pytest.raises(ClientRequestException) as caught:
        _create(evs, BROKER_VOLUME)

    assert (400, "EVS.5400", "Invalid volume: status must be available") == (
        caught.value.status_code,
        caught.value.error_code,
        caught.value.error_msg,
    )


def test_create_transfer_of_in_use_volume_is_refused(client: ClientFactory) -> None:
    with pytest.raises(ClientRequestException) as caught:
        _create(client("evs"), IN_USE_VOLUME)

    assert (400, "EVS.5400", "Invalid volume: status must be available") == (
        caught.value.status_code,
        caught.value.error_code,
        caught.value.error_msg,
    )


def test_create_transfer_of_snapshotted_volume_is_refused(
    client: ClientFactory,
) -> None:
    evs = client("evs")

    with pytest.raises(ClientRequestException) as caught:
        _create(evs, SNAPSHOTTED_VOLUME)

    assert (
        400,
        "EVS.5400",
        "Invalid volume: volume has snapshots, which cannot be transferred",
    ) == (
        caught.value.status_code,
        caught.value.error_code,
        caught.value.error_msg,
    )
    assert "available" == _status(evs, SNAPSHOTTED_VOLUME)


def test_create_transfer_of_other_projects_volume_is_not_found(
    client: ClientFactory,
) -> None:
    with pytest.raises(ClientRequestException) as caught:
        _create(client("evs", "account-b"), BROKER_VOLUME)

    assert (404, "EVS.5404") == (caught.value.status_code, caught.value.error_code)


def test_list_volumes_by_ids_answers_known_ids_only(client: ClientFactory) -> None:
    evs = client("evs")
    unknown = "10000000-0000-4000-8000-0000000000ff"

    found = evs.list_volumes(
        ListVolumesRequest(ids=f"['{BROKER_VOLUME}','{SAS_VOLUME}','{unknown}']")
    )

    assert {BROKER_VOLUME, SAS_VOLUME} == {v.id for v in found.volumes}


def test_list_volumes_takes_at_most_60_ids(client: ClientFactory) -> None:
    ids = ",".join(f"'10000000-0000-4000-8000-{n:012d}'" for n in range(61))

    with pytest.raises(ClientRequestException) as refused:
        client("evs").list_volumes(ListVolumesRequest(ids=f"[{ids}]"))

    assert (400, "EVS.5400") == (refused.value.status_code, refused.value.error_code)


def test_list_volumes_by_tags_selects_key_and_value(client: ClientFactory) -> None:
    evs = client("evs")

    def tagged(values: list[str], action: str = "filter") -> Any:
        body = ListVolumesByTagsRequestBody(
            action=action, tags=[TagsForListVolumes(key="team", values=values)]
        )
        return evs.list_volumes_by_tags(ListVolumesByTagsRequest(body=body))

    data = tagged(["data"])
    any_value = tagged([])
    nobody = tagged(["web"])
    counted = tagged(["data"], action="count")

    assert 2 == data.total_count
    assert {"scratch-disk-05", "archive-disk-06"} == {
        r.resource_name for r in data.resources
    }
    assert (
        BROKER_PROJECT == data.resources[0].resource_detail.os_vol_tenant_attrtenant_id
    )
    assert 2 == any_value.total_count
    assert (0, []) == (nobody.total_count, nobody.resources)
    assert 2 == counted.total_count
    assert (
        0
        == client("evs", "account-b")
        .list_volumes_by_tags(
            ListVolumesByTagsRequest(
                body=ListVolumesByTagsRequestBody(
                    action="filter", tags=[TagsForListVolumes(key="team", values=[])]
                )
            )
        )
        .total_count
    )
