"""What a handler receives: the parsed request and the verified caller."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from localcloud.core.auth import Caller
from localcloud.core.errors import malformed_body


@dataclasses.dataclass(frozen=True)
class RequestContext:
    """One request, after routing and authentication.

    Attributes:
        request_id: The ``X-Request-Id`` of the answer.
        service: Service of the matched route (selects error codes and shapes).
        params: Decoded path parameters.
        query: Decoded query pairs, in order.
        headers: Headers with lower-case names.
        body: Raw body.
        base_url: Scheme and host the client used, for ``links``.
        caller: The verified caller; ``None`` for unauthenticated (admin) routes.
        project_id: The project the request acts in (checked against the caller).
    """

    request_id: str
    service: str
    params: dict[str, str]
    query: tuple[tuple[str, str], ...]
    headers: dict[str, str]
    body: bytes
    base_url: str
    caller: Caller | None = None
    project_id: str | None = None

    def json(self) -> dict[str, Any]:
        """Decode the body as a JSON object (an empty body is ``{}``).

        Raises:
            CloudError: The service's malformed-body error.
        """
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise malformed_body(self.service) from None
        if not isinstance(data, dict):
            raise malformed_body(self.service)

        return data

    def arg(self, name: str) -> str | None:
        """Return the first query value called ``name``."""
        return next((value for key, value in self.query if key == name), None)

    def int_arg(self, name: str, default: int) -> int | None:
        """Return query value ``name`` as an integer, ``default`` when absent.

        Returns:
            The integer, or ``None`` when the value is not one (each service words that
            error its own way).
        """
        value = self.arg(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            return None

    @property
    def principal(self) -> Caller:
        """The caller of an authenticated route."""
        if self.caller is None:
            raise RuntimeError("route is not authenticated")

        return self.caller

    @property
    def project(self) -> str:
        """The project of a project-scoped route."""
        if self.project_id is None:
            raise RuntimeError("route is not project-scoped")

        return self.project_id
