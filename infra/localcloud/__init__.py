"""localcloud: a local emulator of the Huawei Cloud APIs the EVS transfer tool uses.

The real ``huaweicloudsdk*`` clients talk to it over HTTP: EVS (volumes, snapshots,
transfers), KMS, SMN, IAM (agency credentials), FunctionGraph functions behind SMN
and an APIG gateway, all on one port. Start one in-process::

    cloud = LocalCloud.from_world_file(Path("infra/localcloud/worlds/demo.yaml"))
    with cloud.serve() as server:
        ...  # point SDK clients at server.url

or as a process: ``python -m localcloud --world FILE --port 8080``.
"""

from __future__ import annotations

from localcloud.cloud import AccountInfo, LocalCloud, Server
from localcloud.world import World, load_world, parse_world

__all__ = ["AccountInfo", "LocalCloud", "Server", "World", "load_world", "parse_world"]
