"""ECS: how a disk is attached to a server, to tell system disks from data disks."""

from __future__ import annotations

from typing import Any

from huaweicloudsdkecs.v2 import ShowServerBlockDeviceRequest

from evs_transfer.cloud.sdk import call

SERVICE = "ecs"


class Ecs:
    """ECS reads in one project."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def boot_index(self, server_id: str, volume_id: str) -> int | None:
        """Return the disk's boot index on the server (0 = system disk), if ECS knows it."""
        request = ShowServerBlockDeviceRequest(server_id=server_id, volume_id=volume_id)
        response = call(
            SERVICE,
            "ShowServerBlockDevice",
            lambda: self._client.show_server_block_device(request),
            read=True,
        )
        attachment = response.volume_attachment
        if attachment is None or attachment.boot_index is None:
            return None

        return int(attachment.boot_index)
