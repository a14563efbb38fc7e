"""The explicit route table: method + path template → service operation handler."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from localcloud.core.context import RequestContext

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclasses.dataclass(frozen=True)
class Reply:
    """A handler's answer.

    Attributes:
        status: HTTP status.
        body: JSON-serialisable body; ``None`` answers an empty body.
        headers: Extra response headers (``Retry-After`` on throttling).
    """

    status: int
    body: Any = None
    headers: Mapping[str, str] = dataclasses.field(default_factory=dict)


Handler = Callable[["RequestContext"], Reply]


@dataclasses.dataclass(frozen=True)
class Route:
    """One operation of one service.

    Attributes:
        method: HTTP method.
        template: Path with ``{name}`` placeholders matching one decoded segment each.
        service: Renderer and call-log name (``evs``, ``kms``, ``smn``, ``iam``, ...).
        operation: Huawei API operation in snake_case (``cinder_accept_volume_transfer``).
        handler: Callable answering the request.
        authenticated: Whether the request must carry a valid signature.
        scope: ``"project"`` (path holds ``project_id``), ``"domain"`` (IAM) or ``None``.
    """

    method: str
    template: str
    service: str
    operation: str
    handler: Handler
    authenticated: bool = True
    scope: str | None = "project"

    @property
    def pattern(self) -> re.Pattern[str]:
        """The template compiled to an anchored regex with named groups."""
        escaped = _PLACEHOLDER.sub(lambda m: f"(?P<{m[1]}>[^/]+)", self.template)

        return re.compile(f"^{escaped}$")


class Router:
    """Finds the route of a request; the first matching route wins."""

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        self._routes: list[tuple[Route, re.Pattern[str]]] = []
        self.extend(routes)

    def extend(self, routes: Iterable[Route]) -> None:
        """Append routes to the table."""
        self._routes.extend((route, route.pattern) for route in routes)

    @property
    def routes(self) -> list[Route]:
        """Every route, in matching order."""
        return [route for route, _ in self._routes]

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """Return the route and path parameters of ``method path``, if any."""
        for route, pattern in self._routes:
            found = pattern.match(path)
            if found is not None and route.method == method:
                return route, found.groupdict()

        return None
