"""ECS request handlers: servers and block devices, answered from ECS and EVS state."""

from __future__ import annotations

from typing import Any

from localcloud.core.context import RequestContext
from localcloud.core.routing import Reply
from localcloud.ecs import errors
from localcloud.ecs.models import EcsBackend, Server
from localcloud.evs.models import EvsBackend, Volume

DATA_DISK = -1


class EcsResponses:
    """The ECS operations localcloud answers, bound to ECS and EVS state."""

    def __init__(self, backend: EcsBackend, evs: EvsBackend) -> None:
        self._backend = backend
        self._evs = evs

    def show_server(self, ctx: RequestContext) -> Reply:
        """ShowServer. Does not model: flavors, images, networks, security groups."""
        server = self._backend.show_server(ctx.project, ctx.params["server_id"])

        volumes = self._evs.volumes_attached_to(server.id)

        return Reply(200, {"server": _server_detail(server, volumes)})

    def show_server_block_device(self, ctx: RequestContext) -> Reply:
        """ShowServerBlockDevice. Does not model: PCI addresses, SCSI buses."""
        server = self._backend.show_server(ctx.project, ctx.params["server_id"])
        volume_id = ctx.params["volume_id"]

        volume = next(
            (v for v in self._evs.volumes_attached_to(server.id) if v.id == volume_id),
            None,
        )
        if volume is None:
            raise errors.volume_not_attached(server.id, volume_id)

        return Reply(200, {"volumeAttachment": _block_device(server, volume)})


def _device(server: Server, volume: Volume) -> str:
    attachment = next(a for a in volume.attachments if a["server_id"] == server.id)

    return str(attachment["device"])


def _block_device(server: Server, volume: Volume) -> dict[str, Any]:
    return {
        "id": volume.id,
        "serverId": server.id,
        "volumeId": volume.id,
        "device": _device(server, volume),
        "bootIndex": volume.boot_indexes.get(server.id, DATA_DISK),
        "size": volume.size,
        "pciAddress": "0000:02:01.0",
        "bus": "virtio",
    }


def _server_detail(server: Server, volumes: list[Volume]) -> dict[str, Any]:
    attached = [
        {
            "id": volume.id,
            "bootIndex": str(volume.boot_indexes.get(server.id, DATA_DISK)),
            "device": _device(server, volume),
            "delete_on_termination": "false",
        }
        for volume in volumes
    ]

    return {
        "id": server.id,
        "name": server.name,
        "status": server.status,
        "tenant_id": server.project_id,
        "user_id": server.user_id,
        "created": server.created,
        "updated": server.created,
        "addresses": {},
        "metadata": {},
        "tags": [],
        "locked": False,
        "enterprise_project_id": "0",
        "OS-EXT-AZ:availability_zone": server.availability_zone,
        "OS-EXT-STS:vm_state": server.status.lower(),
        "OS-EXT-STS:power_state": 1 if server.status == "ACTIVE" else 4,
        "OS-EXT-SRV-ATTR:hostname": server.name,
        "OS-EXT-SRV-ATTR:root_device_name": server.root_device_name,
        "os-extended-volumes:volumes_attached": attached,
    }
