"""ECS answers, in ECS's ``{"error": {"code", "message"}}`` shape."""

from __future__ import annotations

from localcloud.core.errors import CloudError


def server_not_found(server_id: str) -> CloudError:
    """404 Ecs.0114, ECS's answer for a server that does not exist in the project."""
    return CloudError(404, "Ecs.0114", f"Instance[{server_id}] could not be found.")


def volume_not_attached(server_id: str, volume_id: str) -> CloudError:
    """404 for a volume that is not attached to the server (code invented)."""
    return CloudError(
        404,
        "Ecs.0114",
        f"Volume[{volume_id}] is not attached to instance[{server_id}].",
    )
