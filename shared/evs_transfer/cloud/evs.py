"""EVS: the disk reads the rules need and the volume-transfer API."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from huaweicloudsdkevs.v2 import (
    CinderAcceptVolumeTransferOption,
    CinderAcceptVolumeTransferRequest,
    CinderAcceptVolumeTransferRequestBody,
    CinderCreateVolumeTransferRequest,
    CinderCreateVolumeTransferRequestBody,
    CinderDeleteVolumeTransferRequest,
    CinderListQuotasRequest,
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
from pydantic import SecretStr

from evs_transfer.cloud.sdk import call
from evs_transfer.errors import CloudRejected
from evs_transfer.models import Attachment, Quota, QuotaUsage, Volume

SERVICE = "evs"
LIST_PAGE = 1000
IDS_PER_LIST = 60
"""ListVolumes answers for at most 60 ids at a time."""


@dataclasses.dataclass(frozen=True)
class CreatedTransfer:
    """What EVS answers to a transfer create: the only moment the ``auth_key`` is readable."""

    id: str
    auth_key: SecretStr
    created_at: str | None


class Evs:
    """EVS calls in one project, made with that project's credentials."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def show_volume(self, volume_id: str) -> Volume | None:
        """Return the disk, or None when the project has no disk with that id."""
        try:
            response = call(
                SERVICE,
                "ShowVolume",
                lambda: self._client.show_volume(
                    ShowVolumeRequest(volume_id=volume_id)
                ),
                read=True,
            )
        except CloudRejected as exc:
            if exc.http_status == 404:
                return None
            raise

        return _volume(response.volume)

    def list_volumes(self, volume_ids: list[str]) -> dict[str, Volume]:
        """Return the disks of this project among ``volume_ids``, by id.

        Ids the project has no disk for are absent from the answer, as EVS ignores them.
        """
        found: dict[str, Volume] = {}
        for start in range(0, len(volume_ids), IDS_PER_LIST):
            chunk = volume_ids[start : start + IDS_PER_LIST]
            # EVS takes the id list in Python's list notation: ids=['a','b'].
            ids = "[" + ",".join(f"'{volume_id}'" for volume_id in chunk) + "]"
            request = ListVolumesRequest(ids=ids, limit=IDS_PER_LIST)
            response = call(
                SERVICE,
                "ListVolumes",
                functools.partial(self._client.list_volumes, request),
                read=True,
            )
            found.update(
                (detail.id, _volume(detail)) for detail in response.volumes or []
            )

        return found

    def volume_ids_by_tag(self, key: str, value: str, limit: int) -> list[str]:
        """Return the ids of this project's disks tagged ``key=value``, at most ``limit``.

        An empty ``value`` selects every disk carrying the key, whatever its value.
        """
        ids: list[str] = []
        while len(ids) < limit:
            body = ListVolumesByTagsRequestBody(
                action="filter",
                tags=[TagsForListVolumes(key=key, values=[value] if value else [])],
                limit=min(LIST_PAGE, limit - len(ids)),
                offset=len(ids),
            )
            response = call(
                SERVICE,
                "ListVolumesByTags",
                functools.partial(
                    self._client.list_volumes_by_tags,
                    ListVolumesByTagsRequest(body=body),
                ),
                read=True,
            )
            page = [resource.resource_id for resource in response.resources or []]
            ids += page
            if not page or len(ids) >= int(response.total_count or 0):
                break

        return ids[:limit]

    def list_snapshot_ids(self, volume_id: str) -> list[str]:
        """Return the ids of every EVS snapshot of the disk, whatever their status."""
        response = call(
            SERVICE,
            "ListSnapshots",
            lambda: self._client.list_snapshots(
                ListSnapshotsRequest(volume_id=volume_id)
            ),
            read=True,
        )

        return [snapshot.id for snapshot in response.snapshots or []]

    def quota(self, project_id: str) -> Quota:
        """Return the EVS quotas of ``project_id`` (the client's own project) with usage."""
        response = call(
            SERVICE,
            "CinderListQuotas",
            lambda: self._client.cinder_list_quotas(
                CinderListQuotasRequest(target_project_id=project_id, usage="True")
            ),
            read=True,
        )

        return _quota(response.quota_set)

    def create_transfer(self, volume_id: str, name: str) -> CreatedTransfer:
        """Create a volume transfer; the disk moves to ``awaiting-transfer``."""
        body = CinderCreateVolumeTransferRequestBody(
            transfer=CreateVolumeTransferOption(name=name, volume_id=volume_id)
        )
        response = call(
            SERVICE,
            "CinderCreateVolumeTransfer",
            lambda: self._client.cinder_create_volume_transfer(
                CinderCreateVolumeTransferRequest(body=body)
            ),
        )
        transfer = response.transfer

        return CreatedTransfer(
            id=transfer.id,
            auth_key=SecretStr(transfer.auth_key),
            created_at=transfer.created_at,
        )

    def accept_transfer(self, transfer_id: str, auth_key: SecretStr) -> None:
        """Accept a transfer into this client's project."""
        body = CinderAcceptVolumeTransferRequestBody(
            accept=CinderAcceptVolumeTransferOption(
                auth_key=auth_key.get_secret_value()
            )
        )
        call(
            SERVICE,
            "CinderAcceptVolumeTransfer",
            lambda: self._client.cinder_accept_volume_transfer(
                CinderAcceptVolumeTransferRequest(transfer_id=transfer_id, body=body)
            ),
        )

    def find_transfers(self, volume_id: str, name: str) -> list[str]:
        """Return the ids of this project's pending transfers of a disk with that name.

        EVS has no filter on the list: every page is read (1000 transfers a page).
        """
        found: list[str] = []
        offset = 0
        while True:
            request = CinderListVolumeTransfersRequest(
                limit=LIST_PAGE, offset=offset or None
            )
            page = call(
                SERVICE,
                "CinderListVolumeTransfers",
                functools.partial(self._client.cinder_list_volume_transfers, request),
                read=True,
            )
            transfers = page.transfers or []
            found += [
                t.id for t in transfers if t.volume_id == volume_id and t.name == name
            ]
            if len(transfers) < LIST_PAGE:
                return found
            offset += LIST_PAGE

    def transfer_exists(self, transfer_id: str) -> bool:
        """Tell whether this project still has the pending transfer (404 once it ended)."""
        try:
            call(
                SERVICE,
                "CinderShowVolumeTransfer",
                lambda: self._client.cinder_show_volume_transfer(
                    CinderShowVolumeTransferRequest(transfer_id=transfer_id)
                ),
                read=True,
            )
        except CloudRejected as exc:
            if exc.http_status == 404:
                return False
            raise

        return True

    def delete_transfer(self, transfer_id: str) -> bool:
        """Delete a pending transfer; return False when EVS no longer knows it (404)."""
        try:
            call(
                SERVICE,
                "CinderDeleteVolumeTransfer",
                lambda: self._client.cinder_delete_volume_transfer(
                    CinderDeleteVolumeTransferRequest(transfer_id=transfer_id)
                ),
            )
        except CloudRejected as exc:
            if exc.http_status == 404:
                return False
            raise

        return True


def _volume(detail: Any) -> Volume:
    metadata = {str(key): str(value) for key, value in (detail.metadata or {}).items()}

    return Volume(
        id=detail.id,
        name=detail.name or "",
        status=detail.status,
        size_gb=int(detail.size or 0),
        volume_type=detail.volume_type,
        project_id=detail.os_vol_tenant_attrtenant_id,
        attachments=tuple(
            Attachment(server_id=attachment.server_id, device=attachment.device)
            for attachment in detail.attachments or []
        ),
        bootable=str(detail.bootable).lower() == "true",
        service_type=detail.service_type,
        dedicated_storage_id=detail.dedicated_storage_id,
        metadata=metadata,
    )


# The SDK's QuotaList names per-type quotas volumes_ssd, gigabytes_sas, ...
QUOTA_TYPES = ("SATA", "SAS", "SSD")


def _quota(quota_set: Any) -> Quota:
    by_type: dict[str, dict[str, QuotaUsage]] = {"volumes": {}, "gigabytes": {}}
    for kind, usages in by_type.items():
        for volume_type in QUOTA_TYPES:
            usage = _usage(getattr(quota_set, f"{kind}_{volume_type.lower()}", None))
            if usage is not None:
                usages[volume_type] = usage

    return Quota(
        volumes=_usage(quota_set.volumes),
        gigabytes=_usage(quota_set.gigabytes),
        volumes_by_type=by_type["volumes"],
        gigabytes_by_type=by_type["gigabytes"],
    )


def _usage(detail: Any) -> QuotaUsage | None:
    if detail is None or detail.limit is None:
        return None

    return QuotaUsage(
        limit=int(detail.limit),
        in_use=int(detail.in_use or 0),
        reserved=int(detail.reserved or 0),
    )
