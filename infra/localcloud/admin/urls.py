"""Admin routes, under ``/_localcloud/``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from localcloud.admin.responses import AdminResponses
from localcloud.core.routing import Handler, Route

if TYPE_CHECKING:
    from localcloud.cloud import LocalCloud

PREFIX = "/_localcloud"


def admin_routes(cloud: LocalCloud) -> list[Route]:
    """Return the admin route table bound to ``cloud``."""
    r = AdminResponses(cloud)

    def route(method: str, path: str, operation: str, handler: Handler) -> Route:
        return Route(
            method,
            PREFIX + path,
            "localcloud",
            operation,
            handler,
            authenticated=False,
            scope=None,
        )

    return [
        route("GET", "/health", "health", r.health),
        route("POST", "/reset", "reset", r.reset),
        route("POST", "/seed", "seed", r.seed),
        route("GET", "/outbox", "list_outbox", r.list_outbox),
        route("DELETE", "/outbox", "clear_outbox", r.clear_outbox),
        route("GET", "/calls", "list_calls", r.list_calls),
        route("GET", "/invocations", "list_invocations", r.list_invocations),
        route(
            "POST",
            "/smn/subscriptions/{subscription_urn}/confirm",
            "confirm_subscription",
            r.confirm_subscription,
        ),
        route("POST", "/timers/{trigger_name}/fire", "fire_timer", r.fire_timer),
        route("GET", "/faults", "list_faults", r.list_faults),
        route("POST", "/faults", "add_fault", r.add_fault),
        route("DELETE", "/faults", "clear_faults", r.clear_faults),
        route("DELETE", "/faults/{fault_id}", "delete_fault", r.delete_fault),
    ]
