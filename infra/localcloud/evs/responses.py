"""EVS request handlers: parse → validate → call the backend → serialise."""

from __future__ import annotations

import re
from typing import Any

from localcloud.core.context import RequestContext
from localcloud.core.routing import Reply
from localcloud.evs import errors
from localcloud.evs.models import EvsBackend, Snapshot, Transfer, Volume

MAX_TRANSFER_NAME = 64
MAX_IDS = 60
_ID_LIST = re.compile(r"^\[\s*('[^',]*'\s*(,\s*'[^',]*'\s*)*)?\]$")


class EvsResponses:
    """The EVS operations localcloud answers, bound to one backend."""

    def __init__(self, backend: EvsBackend) -> None:
        self._backend = backend

    def show_volume(self, ctx: RequestContext) -> Reply:
        """ShowVolume. Does not model: ``volume_image_metadata``, iops/throughput."""
        volume = self._backend.show_volume(ctx.project, ctx.params["volume_id"])

        return Reply(200, {"volume": volume_detail(volume, ctx.base_url)})

    def list_volumes(self, ctx: RequestContext) -> Reply:
        """ListVolumes. Filters: status, name, ids, limit, offset; others are ignored."""
        limit, offset = _paging(ctx)
        ids = _ids_arg(ctx)

        volumes = self._backend.list_volumes(
            ctx.project, status=ctx.arg("status"), name=ctx.arg("name")
        )
        if ids is not None:
            # Unknown ids are ignored, as EVS does; the order stays the backend's.
            volumes = [volume for volume in volumes if volume.id in ids]
        page = volumes[offset : offset + limit]

        return Reply(
            200,
            {
                "count": len(volumes),
                "volumes": [volume_detail(v, ctx.base_url) for v in page],
                "volumes_links": None,
            },
        )

    def list_volumes_by_tags(self, ctx: RequestContext) -> Reply:
        """ListVolumesByTags: ``action`` filter or count, ``tags`` with any of ``values``.

        Does not model: ``matches`` (resource-name match) or tag keys without values.
        """
        body = ctx.json()
        wanted = _tag_filter(body)
        action = body.get("action")
        if action not in ("filter", "count"):
            raise errors.bad_request("action must be filter or count.")

        tagged = [
            volume
            for volume in self._backend.list_volumes(
                ctx.project, status=None, name=None
            )
            # A tag with no values matches any value of its key, as EVS documents.
            if all(
                key in volume.tags and (not values or volume.tags[key] in values)
                for key, values in wanted
            )
        ]
        if action == "count":
            return Reply(200, {"total_count": len(tagged)})
        limit = _body_int(body, "limit", 1000)
        offset = _body_int(body, "offset", 0)
        page = tagged[offset : offset + limit]

        return Reply(
            200,
            {
                "total_count": len(tagged),
                "resources": [
                    {
                        "resource_id": volume.id,
                        "resource_name": volume.name,
                        "resource_detail": volume_detail(volume, ctx.base_url),
                        "tags": [
                            {"key": k, "value": v} for k, v in volume.tags.items()
                        ],
                    }
                    for volume in page
                ],
            },
        )

    def list_snapshots(self, ctx: RequestContext) -> Reply:
        """ListSnapshots. Filters: volume_id, limit, offset; others are ignored."""
        limit, offset = _paging(ctx)

        snapshots = self._backend.list_snapshots(
            ctx.project, volume_id=ctx.arg("volume_id")
        )
        page = snapshots[offset : offset + limit]

        return Reply(
            200, {"snapshots": [_snapshot(s) for s in page], "count": len(snapshots)}
        )

    def cinder_create_volume_transfer(self, ctx: RequestContext) -> Reply:
        """CinderCreateVolumeTransfer, refusing disks per ``rules.TRANSFER_RULES``.

        Does not model: frozen disks, replication pairs, v3 ``no_snapshots``.
        """
        option = ctx.json().get("transfer")
        if not isinstance(option, dict) or not isinstance(option.get("volume_id"), str):
            raise errors.bad_request("Incorrect request body format")
        name = option.get("name")
        if not isinstance(name, str) or not 0 < len(name) <= MAX_TRANSFER_NAME:
            raise errors.bad_request("Invalid input for field/attribute name.")

        transfer, auth_key = self._backend.create_transfer(
            ctx.project, option["volume_id"], name
        )

        body = _transfer(transfer, ctx.base_url, created=True)
        body["auth_key"] = auth_key

        return Reply(202, {"transfer": body})

    def cinder_show_volume_transfer(self, ctx: RequestContext) -> Reply:
        """CinderShowVolumeTransfer (donor project only; no ``auth_key``)."""
        transfer = self._backend.show_transfer(ctx.project, ctx.params["transfer_id"])

        return Reply(200, {"transfer": _transfer(transfer, ctx.base_url, created=True)})

    def cinder_list_volume_transfers(self, ctx: RequestContext) -> Reply:
        """CinderListVolumeTransfers (donor project's pending transfers)."""
        limit, offset = _paging(ctx)

        transfers = self._backend.list_transfers(ctx.project)[offset : offset + limit]

        return Reply(
            200, {"transfers": [_transfer(t, ctx.base_url) for t in transfers]}
        )

    def cinder_accept_volume_transfer(self, ctx: RequestContext) -> Reply:
        """CinderAcceptVolumeTransfer, with the accepter's quotas (413 EVS.5413).

        Does not model: re-checking the create-time constraints at accept.
        """
        option = ctx.json().get("accept")
        if not isinstance(option, dict) or not isinstance(option.get("auth_key"), str):
            raise errors.bad_request("Incorrect request body format")

        transfer = self._backend.accept_transfer(
            ctx.project,
            ctx.principal.user_id,
            ctx.params["transfer_id"],
            option["auth_key"],
        )

        body = _transfer(transfer, ctx.base_url)
        body["links"] = _links(ctx.base_url, ctx.project, transfer.id)

        return Reply(202, {"transfer": body})

    def cinder_list_quotas(self, ctx: RequestContext) -> Reply:
        """CinderListQuotas (``usage=True`` only, as Huawei documents); own project only.

        Does not model: reserved counts, legacy VBS backup usage (reported as 0).
        """
        if ctx.arg("usage") != "True":
            raise errors.bad_request("Invalid input for field/attribute usage.")
        if ctx.params["target_project_id"] != ctx.project:
            raise errors.target_project_forbidden()

        return Reply(200, {"quota_set": self._backend.quota_set(ctx.project)})

    def cinder_delete_volume_transfer(self, ctx: RequestContext) -> Reply:
        """CinderDeleteVolumeTransfer; the volume goes back to ``available``."""
        self._backend.delete_transfer(ctx.project, ctx.params["transfer_id"])

        return Reply(202)


def _paging(ctx: RequestContext) -> tuple[int, int]:
    limit = _int_arg(ctx, "limit", 1000)
    offset = _int_arg(ctx, "offset", 0)
    if limit < 1:
        raise errors.bad_request("limit param must be positive.")
    if offset < 0:
        raise errors.bad_request("offset param must not be negative.")

    return limit, offset


def _tagged_resource(volume: Volume, base_url: str) -> dict[str, Any]:
    return {
        "resource_id": volume.id,
        "resource_name": volume.name,
        "resource_detail": volume_detail(volume, base_url),
        "tags": [{"key": k, "value": v} for k, v in volume.tags.items()],
    }


def _ids_arg(ctx: RequestContext) -> set[str] | None:
    raw = ctx.arg("ids")
    if raw is None:
        return None
    if not _ID_LIST.match(raw):
        raise errors.bad_request("ids must look like ['id1','id2'].")
    ids = {item.strip().strip("'") for item in raw.strip("[] ").split(",") if item}
    if len(ids) > MAX_IDS:
        raise errors.bad_request(f"ids takes at most {MAX_IDS} ids.")

    return ids


def _tag_filter(body: dict[str, Any]) -> list[tuple[str, set[str]]]:
    tags = body.get("tags", [])
    if not isinstance(tags, list):
        raise errors.bad_request("tags must be a list.")
    wanted = []
    for tag in tags:
        if not isinstance(tag, dict) or not isinstance(tag.get("key"), str):
            raise errors.bad_request("each tag needs a key.")
        values = tag.get("values", [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise errors.bad_request("tag values must be a list of strings.")
        wanted.append((tag["key"], set(values)))

    return wanted


def _body_int(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise errors.bad_request(f"{name} must be a non-negative integer.")

    return value


def _int_arg(ctx: RequestContext, name: str, default: int) -> int:
    value = ctx.int_arg(name, default)
    if value is None:
        raise errors.bad_request(f"{name} param must be an integer.")

    return value


def _links(base_url: str, project_id: str, transfer_id: str) -> list[dict[str, str]]:
    return [
        {
            "href": f"{base_url}/v2/{project_id}/os-volume-transfer/{transfer_id}",
            "rel": "self",
        },
        {
            "href": f"{base_url}/{project_id}/os-volume-transfer/{transfer_id}",
            "rel": "bookmark",
        },
    ]


def _transfer(
    transfer: Transfer, base_url: str, *, created: bool = False
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": transfer.id,
        "name": transfer.name,
        "volume_id": transfer.volume_id,
        "links": _links(base_url, transfer.project_id, transfer.id),
    }
    if created:
        body["created_at"] = transfer.created_at

    return body


def _snapshot(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "id": snapshot.id,
        "name": snapshot.name,
        "status": snapshot.status,
        "volume_id": snapshot.volume_id,
        "size": snapshot.size,
        "description": snapshot.description,
        "metadata": dict(snapshot.metadata),
        "created_at": snapshot.created_at,
        "updated_at": None,
        "os-extended-snapshot-attributes:project_id": snapshot.project_id,
        "os-extended-snapshot-attributes:progress": "100%",
    }


def volume_detail(volume: Volume, base_url: str) -> dict[str, Any]:
    """Serialise a volume as ``VolumeDetail``."""
    href = f"{base_url}/v2/{volume.project_id}/volumes/{volume.id}"

    return {
        "id": volume.id,
        "links": [{"href": href, "rel": "self"}, {"href": href, "rel": "bookmark"}],
        "name": volume.name,
        "status": volume.status,
        "attachments": [dict(a) for a in volume.attachments],
        "availability_zone": volume.availability_zone,
        "os-vol-host-attr:host": "localcloud#localcloud",
        "source_volid": volume.source_volid,
        "snapshot_id": volume.snapshot_id,
        "description": volume.description,
        "created_at": volume.created_at,
        "updated_at": volume.updated_at,
        "os-vol-tenant-attr:tenant_id": volume.project_id,
        "volume_image_metadata": {},
        "volume_type": volume.volume_type,
        "size": volume.size,
        "consistencygroup_id": None,
        "bootable": volume.bootable,
        "metadata": dict(volume.metadata),
        "encrypted": volume.metadata.get("__system__encrypted") == "1",
        "replication_status": "disabled",
        "user_id": volume.user_id,
        "service_type": volume.service_type,
        "multiattach": volume.multiattach,
        "shareable": str(volume.multiattach).lower(),
        "dedicated_storage_id": volume.dedicated_storage_id,
        "dedicated_storage_name": volume.dedicated_storage_name,
        "tags": dict(volume.tags),
        "wwn": "",
        "enterprise_project_id": volume.enterprise_project_id,
    }
