"""Exit codes of the CLI, and the one exception that carries them.

======  ==========================================================================
code    meaning
======  ==========================================================================
0       done (for many disks: every disk offered, or eligible in a dry run)
1       refused: a transfer rule, or the state of the transfer, stopped the action
2       usage: a command-line mistake (unknown option, missing argument)
3       not found: no such transfer or batch
4       denied: wrong approval token, not the account that may act, or credentials
        the API's gateway did not accept
5       unavailable: the API could not be reached, or the cloud behind it failed
======  ==========================================================================
"""

from __future__ import annotations

import dataclasses
from typing import Any

OK = 0
REFUSED = 1
USAGE = 2
NOT_FOUND = 3
DENIED = 4
UNAVAILABLE = 5

_BY_STATUS = {401: DENIED, 403: DENIED, 404: NOT_FOUND}


@dataclasses.dataclass
class ApiProblem(Exception):
    """What stopped a command: the API's stable code, its message, the exit code."""

    code: str
    message: str
    exit_code: int
    details: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    @classmethod
    def from_answer(cls, status: int, document: Any) -> ApiProblem:
        """Build the problem from an API error body (any JSON, in case of a proxy)."""
        if not isinstance(document, dict):
            document = {}
        error = document.get("error")
        if not isinstance(error, dict):
            error = {}
        exit_code = _BY_STATUS.get(status, UNAVAILABLE if status >= 500 else REFUSED)
        # The gateway answers for itself (authentication, unknown path) in its own shape.
        code = error.get("code") or document.get("error_code") or f"http_{status}"
        message = (
            error.get("message")
            or document.get("error_msg")
            or "the API refused the request"
        )

        return cls(
            code=str(code),
            message=str(message),
            exit_code=exit_code,
            details=list(error.get("details") or []),
        )

    @classmethod
    def unreachable(cls, url: str, exc: Exception) -> ApiProblem:
        """The API did not answer."""
        return cls("api_unreachable", f"{url}: {type(exc).__name__}", UNAVAILABLE)

    @classmethod
    def not_json(cls, status: int) -> ApiProblem:
        """The answer was not the API's JSON (a proxy, a wrong URL)."""
        return cls("not_the_api", f"HTTP {status} without a JSON body", UNAVAILABLE)
