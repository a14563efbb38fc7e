"""In-memory ECS state: the servers of each project.

Which disks a server has, on which device and with which boot index, is read from the
EVS volumes' attachments (``Volume.boot_indexes``), so the two services cannot disagree.
"""

from __future__ import annotations

import copy
import dataclasses
import threading

from localcloud.ecs import errors


@dataclasses.dataclass
class Server:
    """One cloud server (``ServerDetail``, reduced to what the tool reads)."""

    id: str
    name: str
    project_id: str
    user_id: str = ""
    status: str = "ACTIVE"
    root_device_name: str = "/dev/vda"
    availability_zone: str = "cn-north-4a"
    created: str = "2024-01-01T00:00:00Z"


class EcsBackend:
    """Thread-safe ECS state for every project."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._servers: dict[str, Server] = {}

    def reset(self) -> None:
        """Forget everything."""
        with self._lock:
            self._servers.clear()

    def add_server(self, server: Server) -> None:
        """Add a server (world loading).

        Raises:
            ValueError: The id is taken.
        """
        with self._lock:
            if server.id in self._servers:
                raise ValueError(f"duplicate server id {server.id}")
            self._servers[server.id] = copy.deepcopy(server)

    def has_server(self, server_id: str) -> bool:
        """Whether a server with this id exists in any project."""
        with self._lock:
            return server_id in self._servers

    def show_server(self, project_id: str, server_id: str) -> Server:
        """Return a copy of a server of ``project_id``; 404 otherwise."""
        with self._lock:
            server = self._servers.get(server_id)
            if server is None or server.project_id != project_id:
                raise errors.server_not_found(server_id)

            return copy.deepcopy(server)
