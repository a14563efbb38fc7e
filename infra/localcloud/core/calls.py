"""The call log: one record per cloud API request, for tests and the admin API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import Any


@dataclasses.dataclass(frozen=True)
class CallRecord:
    """One request (no headers, bodies or credentials).

    ``status`` is what the operation answered, ``None`` when no answer was produced (an
    injected ``reset``); ``fault`` names the kind of injected fault that hit the call.
    """

    request_id: str
    service: str | None
    operation: str | None
    method: str
    path: str
    status: int | None
    domain_id: str | None
    project_id: str | None
    time: str
    fault: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-safe dict."""
        return dataclasses.asdict(self)


class CallLog:
    """Thread-safe, append-only list of calls; cleared by a reset."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[CallRecord] = []

    def record(self, record: CallRecord) -> None:
        """Append one call."""
        with self._lock:
            self._records.append(record)

    def clear(self) -> None:
        """Forget every call."""
        with self._lock:
            self._records.clear()

    @property
    def records(self) -> list[CallRecord]:
        """A copy of the calls, oldest first."""
        with self._lock:
            return list(self._records)


def utc_now_iso() -> str:
    """Return the current UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
