"""The record of one function invocation, as the emulator keeps it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from localcloud.functiongraph.events import TriggerKind

InvocationMode = Literal["sync", "async"]
InvocationStatus = Literal["ok", "error"]


@dataclasses.dataclass(frozen=True)
class Invocation:
    """One run of a handler.

    Attributes:
        function_name: Name of the function.
        function_urn: URN of the function (``...:latest``).
        request_id: Request ID; all attempts of an async invocation share it.
        trigger: Trigger kind, inferred from the event's shape.
        mode: ``sync`` or ``async``.
        attempt: 1 for the first run, 2 and up for async retries.
        started_at: When the handler was called (UTC).
        finished_at: When it returned or raised (UTC).
        duration_ms: Wall time of the handler.
        status: ``ok`` or ``error``.
        result: The handler's return value (``None`` on error).
        error: ``{"errorMessage", "errorType"}`` as FunctionGraph reports a failure.
        event: The event the handler received; kept out of ``to_dict`` by default.
    """

    function_name: str
    function_urn: str
    request_id: str
    trigger: TriggerKind
    mode: InvocationMode
    attempt: int
    started_at: dt.datetime
    finished_at: dt.datetime
    duration_ms: float
    status: InvocationStatus
    result: Any = None
    error: dict[str, str] | None = None
    event: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """Whether the handler returned normally."""
        return self.status == "ok"

    def to_dict(self, *, include_event: bool = False) -> dict[str, Any]:
        """Return a JSON-safe dict of the record.

        Args:
            include_event: Also include the event (off by default: events can carry
                request headers and payloads).
        """
        data: dict[str, Any] = {
            "function_name": self.function_name,
            "function_urn": self.function_urn,
            "request_id": self.request_id,
            "trigger": self.trigger,
            "mode": self.mode,
            "attempt": self.attempt,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "duration_ms": round(self.duration_ms, 3),
            "status": self.status,
            "result": self.result,
            "error": None if self.error is None else dict(self.error),
        }
        if include_event:
            data["event"] = self.event

        return data


def error_of(exc: BaseException) -> dict[str, str]:
    """Return FunctionGraph's failure result for an exception (no stack trace)."""
    return {"errorMessage": str(exc), "errorType": type(exc).__name__}
