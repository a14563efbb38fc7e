"""Fault injection and race hooks for cloud operations.

A fault names an operation the way the call log does (``cinder_create_volume_transfer``,
``list_backups``, ``publish_message``, ...) and one of four kinds:

- ``status``: answer HTTP ``status`` with the error body of the service (429 is the
  gateway's ``APIGW.0308`` throttling answer, with ``Retry-After``); the operation
  does not run.
- ``latency``: wait ``latency_ms`` milliseconds, then handle the call normally.
- ``reset``: close the connection without any answer; the operation does not run.
- ``drop_response``: run the operation (its state change sticks), then close the
  connection without an answer, as a response lost on the way back would.

A fault may be limited to its first ``count`` matching calls and to one ``account``
(domain id or account name of the caller). When several faults match, the oldest one
wins. Hooks (``before``) run a callback just before an operation's handler, so that a
test can change the world between a client's checks and its action.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import socket
import struct
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, model_validator

from localcloud.core.auth import Caller

logger = logging.getLogger("localcloud")

FaultKind = Literal["status", "latency", "reset", "drop_response"]
DEFAULT_RETRY_AFTER = 1


class FaultSpec(BaseModel):
    """One fault, as written in a world file or posted to the admin API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    operation: str = Field(min_length=1)
    kind: FaultKind
    status: int | None = Field(default=None, ge=400, le=599)
    retry_after: int | None = Field(default=None, ge=0, le=3600)
    latency_ms: int | None = Field(default=None, ge=0, le=600_000)
    count: int | None = Field(default=None, ge=1)
    account: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> FaultSpec:
        if self.kind == "status" and self.status is None:
            raise ValueError("a status fault needs status")
        if self.kind != "status" and (
            self.status is not None or self.retry_after is not None
        ):
            raise ValueError("status and retry_after apply to status faults only")
        if (self.kind == "latency") != (self.latency_ms is not None):
            raise ValueError("latency_ms is required by, and only by, latency faults")
        return self

    @property
    def retry_after_seconds(self) -> int | None:
        """The ``Retry-After`` to send: given, or one second for a 429."""
        if self.retry_after is not None:
            return self.retry_after

        return DEFAULT_RETRY_AFTER if self.status == 429 else None


@dataclasses.dataclass
class _ArmedFault:
    id: str
    spec: FaultSpec
    fired: int = 0

    @property
    def exhausted(self) -> bool:
        return self.spec.count is not None and self.fired >= self.spec.count

    def matches(self, operation: str, caller: Caller) -> bool:
        account = self.spec.account
        return (
            not self.exhausted
            and self.spec.operation == operation
            and account in (None, caller.domain_id, caller.account_name)
        )

    def to_dict(self) -> dict[str, Any]:
        remaining = None if self.spec.count is None else self.spec.count - self.fired
        return {
            "id": self.id,
            **self.spec.model_dump(),
            "fired": self.fired,
            "remaining": remaining,
        }


@dataclasses.dataclass
class _Hook:
    operation: str
    callback: Callable[[], object]
    remaining: int


class FaultInjector:
    """Thread-safe registry of armed faults and ``before`` hooks.

    Args:
        operations: Names of the operations that exist; faults and hooks for any
            other name are refused, so that a typo cannot silently disarm a test.
    """

    def __init__(self, operations: Iterable[str]) -> None:
        self._operations = frozenset(operations)
        self._lock = threading.Lock()
        self._faults: list[_ArmedFault] = []
        self._hooks: list[_Hook] = []
        self._ids = itertools.count(1)

    def _check_operation(self, operation: str) -> None:
        if operation not in self._operations:
            raise ValueError(f"unknown operation {operation!r}")

    def add(self, spec: FaultSpec) -> dict[str, Any]:
        """Arm a fault; return its description (with its ``id``).

        Raises:
            ValueError: The operation does not exist.
        """
        self._check_operation(spec.operation)

        with self._lock:
            armed = _ArmedFault(f"fault-{next(self._ids)}", spec)
            self._faults.append(armed)

            return armed.to_dict()

    def remove(self, fault_id: str) -> bool:
        """Disarm one fault; return whether it existed."""
        with self._lock:
            kept = [f for f in self._faults if f.id != fault_id]
            removed = len(kept) != len(self._faults)
            self._faults = kept

        return removed

    def clear(self) -> int:
        """Disarm every fault; return how many there were."""
        with self._lock:
            count = len(self._faults)
            self._faults.clear()

        return count

    def reset(self) -> None:
        """Forget every fault and hook."""
        with self._lock:
            self._faults.clear()
            self._hooks.clear()

    @property
    def faults(self) -> list[dict[str, Any]]:
        """Every armed fault, oldest first, with how often it fired."""
        with self._lock:
            return [armed.to_dict() for armed in self._faults]

    def take(self, operation: str, caller: Caller) -> FaultSpec | None:
        """Return the fault hitting this call, counting it as fired."""
        with self._lock:
            armed = next(
                (f for f in self._faults if f.matches(operation, caller)), None
            )
            if armed is None:
                return None
            armed.fired += 1

        logger.info(
            "localcloud.fault operation=%s kind=%s id=%s",
            operation,
            armed.spec.kind,
            armed.id,
        )

        return armed.spec

    def before(
        self, operation: str, callback: Callable[[], object], times: int = 1
    ) -> None:
        """Run ``callback()`` just before each of the next ``times`` calls' handler.

        Raises:
            ValueError: The operation does not exist or ``times`` is not positive.
        """
        self._check_operation(operation)
        if times < 1:
            raise ValueError("times must be at least 1")

        with self._lock:
            self._hooks.append(_Hook(operation, callback, times))

    def run_hooks(self, operation: str) -> None:
        """Run (outside the lock) the hooks due before this call of ``operation``."""
        due: list[Callable[[], object]] = []
        with self._lock:
            for hook in self._hooks:
                if hook.operation == operation:
                    hook.remaining -= 1
                    due.append(hook.callback)
            self._hooks = [h for h in self._hooks if h.remaining > 0]

        for callback in due:
            callback()


class DropConnection(ConnectionAbortedError):
    """Abandons a request without an answer.

    A ``ConnectionError``, so that werkzeug's server treats it as a client that went
    away: no 500 page, no traceback, the socket is just closed.
    """


def sever(environ: Mapping[str, Any], *, reset: bool) -> NoReturn:
    """Close the client connection of a WSGI request without answering.

    With ``reset`` the socket lingers zero seconds so that closing it sends a TCP RST
    where the platform allows; the client sees a connection reset or a connection
    closed without a response, as with a cloud load balancer dropping the request.

    Raises:
        DropConnection: Always; the WSGI server must let it through.
    """
    connection = environ.get("werkzeug.socket")
    if isinstance(connection, socket.socket):
        with contextlib.suppress(OSError):
            if reset:
                linger = struct.pack("ii", 1, 0)
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
            connection.shutdown(socket.SHUT_RDWR)

    raise DropConnection("localcloud closed the connection without an answer")
