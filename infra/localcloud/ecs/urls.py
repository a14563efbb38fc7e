"""ECS routes (``huaweicloudsdkecs`` v2 3.1.219, ``/v1`` cloudservers paths)."""

from __future__ import annotations

from localcloud.core.routing import Route
from localcloud.ecs.responses import EcsResponses

_SERVER = "/v1/{project_id}/cloudservers/{server_id}"


def ecs_routes(responses: EcsResponses) -> list[Route]:
    """Return the ECS route table bound to ``responses``."""
    r = responses

    return [
        Route("GET", _SERVER, "ecs", "show_server", r.show_server),
        Route(
            "GET",
            _SERVER + "/block_device/{volume_id}",
            "ecs",
            "show_server_block_device",
            r.show_server_block_device,
        ),
    ]
