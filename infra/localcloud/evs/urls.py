"""EVS routes (v2 paths, as in ``huaweicloudsdkevs`` 3.1.219)."""

from __future__ import annotations

from localcloud.core.routing import Route
from localcloud.evs.responses import EvsResponses

_TRANSFERS = "/v2/{project_id}/os-volume-transfer"


def evs_routes(responses: EvsResponses) -> list[Route]:
    """Return the EVS route table bound to ``responses``."""
    r = responses

    return [
        Route(
            "GET",
            "/v2/{project_id}/cloudvolumes/detail",
            "evs",
            "list_volumes",
            r.list_volumes,
        ),
        Route(
            "POST",
            "/v2/{project_id}/cloudvolumes/resource_instances/action",
            "evs",
            "list_volumes_by_tags",
            r.list_volumes_by_tags,
        ),
        Route(
            "GET",
            "/v2/{project_id}/cloudvolumes/{volume_id}",
            "evs",
            "show_volume",
            r.show_volume,
        ),
        Route(
            "GET",
            "/v2/{project_id}/cloudsnapshots/detail",
            "evs",
            "list_snapshots",
            r.list_snapshots,
        ),
        Route(
            "POST",
            _TRANSFERS,
            "evs",
            "cinder_create_volume_transfer",
            r.cinder_create_volume_transfer,
        ),
        Route(
            "GET",
            _TRANSFERS,
            "evs",
            "cinder_list_volume_transfers",
            r.cinder_list_volume_transfers,
        ),
        Route(
            "GET",
            _TRANSFERS + "/{transfer_id}",
            "evs",
            "cinder_show_volume_transfer",
            r.cinder_show_volume_transfer,
        ),
        Route(
            "DELETE",
            _TRANSFERS + "/{transfer_id}",
            "evs",
            "cinder_delete_volume_transfer",
            r.cinder_delete_volume_transfer,
        ),
        Route(
            "POST",
            _TRANSFERS + "/{transfer_id}/accept",
            "evs",
            "cinder_accept_volume_transfer",
            r.cinder_accept_volume_transfer,
        ),
        Route(
            "GET",
            "/v2/{project_id}/os-quota-sets/{target_project_id}",
            "evs",
            "cinder_list_quotas",
            r.cinder_list_quotas,
        ),
    ]
