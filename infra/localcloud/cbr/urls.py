"""CBR routes (``huaweicloudsdkcbr`` v1 3.1.219)."""

from __future__ import annotations

from localcloud.cbr.responses import CbrResponses
from localcloud.core.routing import Route


def cbr_routes(responses: CbrResponses) -> list[Route]:
    """Return the CBR route table bound to ``responses``."""
    r = responses

    return [
        Route("GET", "/v3/{project_id}/backups", "cbr", "list_backups", r.list_backups),
        Route("GET", "/v3/{project_id}/vaults", "cbr", "list_vault", r.list_vault),
        Route(
            "GET", "/v3/{project_id}/policies", "cbr", "list_policies", r.list_policies
        ),
    ]
