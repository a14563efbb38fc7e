"""Runs registered Python handlers in-process, like one warm FunctionGraph instance each.

Synchronous invocations run on the caller's thread; asynchronous ones (SMN, timers)
run on a small thread pool with FunctionGraph's async retry. Every run is recorded as
an :class:`~localcloud.functiongraph.invocation.Invocation`.

Does not model: killing a handler that overruns its timeout (the run is marked as
timed out once it returns), initializers, versions and aliases, reserved instances,
``max_async_event_age_in_seconds``, async destinations, and the delay between async
retries (they follow each other at once).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localcloud.functiongraph.context import FunctionContext, cpu_millicores
from localcloud.functiongraph.credentials import (
    DEFAULT_REFRESH_MARGIN,
    AgencyCredentialCache,
    utc_now,
)
from localcloud.functiongraph.errors import (
    FunctionAlreadyExistsError,
    FunctionGraphError,
    FunctionNotFoundError,
)
from localcloud.functiongraph.events import trigger_kind
from localcloud.functiongraph.invocation import Invocation, InvocationMode, error_of
from localcloud.functiongraph.loader import (
    EnvironmentLedger,
    Handler,
    load_handler,
    unload_module,
    validate_user_data,
)
from localcloud.functiongraph.payloads import (
    ASYNC_PAYLOAD_LIMIT,
    SYNC_PAYLOAD_LIMIT,
    checked_result,
    json_copy,
)
from localcloud.functiongraph.specs import (
    CredentialIssuer,
    FunctionSpec,
    TemporaryCredentials,
)

MAX_ASYNC_RETRY_ATTEMPTS = 3
VERSION = "latest"


@dataclasses.dataclass(frozen=True)
class _Function:
    spec: FunctionSpec
    urn: str
    domain_id: str
    project_id: str
    handler: Handler
    module_name: str
    code_dir: Path
    generation: int


class FunctionRuntime:
    """Registers functions and invokes their handlers in this process.

    Args:
        region: Region the functions live in (part of their URNs).
        credentials: Mints the agency credentials handed to functions.
        code_root: Directory handler paths are relative to.
        max_async_retry_attempts: Retries of a failed async invocation (0-3); the
            FunctionGraph API default is 1.
        async_workers: Threads running async invocations.
        credential_refresh_margin: Renew cached agency credentials this long before
            they expire.
    """

    def __init__(
        self,
        *,
        region: str,
        credentials: CredentialIssuer,
        code_root: Path,
        max_async_retry_attempts: int = 1,
        async_workers: int = 8,
        credential_refresh_margin: dt.timedelta = DEFAULT_REFRESH_MARGIN,
    ) -> None:
        if async_workers < 1:
            raise ValueError("async_workers must be at least 1")

        self._region = region
        self._code_root = Path(code_root)
        self._credentials = AgencyCredentialCache(
            credentials, refresh_margin=credential_refresh_margin
        )
        self.max_async_retry_attempts = max_async_retry_attempts
        self._async_workers = async_workers
        self._env = EnvironmentLedger()
        self._functions: dict[str, _Function] = {}
        self._invocations: list[Invocation] = []
        self._generation = 0
        self._pending = 0
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self.failure_sink: Callable[[str, dict[str, Any]], None] | None = None
        """Publishes an async failure record to an SMN topic URN (set by the cloud)."""

    @property
    def max_async_retry_attempts(self) -> int:
        """How often a failed async invocation is retried (0-3)."""
        return self._max_async_retry_attempts

    @max_async_retry_attempts.setter
    def max_async_retry_attempts(self, value: int) -> None:
        if not 0 <= value <= MAX_ASYNC_RETRY_ATTEMPTS:
            raise ValueError(
                f"max_async_retry_attempts must be 0-{MAX_ASYNC_RETRY_ATTEMPTS}, "
                f"got {value}"
            )
        self._max_async_retry_attempts = value

    @property
    def invocations(self) -> list[Invocation]:
        """A snapshot of every invocation recorded since the last reset, oldest first."""
        with self._lock:
            return list(self._invocations)

    def register(self, spec: FunctionSpec, *, domain_id: str, project_id: str) -> str:
        """Load a function's handler and export its user_data to ``os.environ``.

        Args:
            spec: The function as the world file declares it.
            domain_id: Account (domain) the function belongs to; its agency acts there.
            project_id: Project of the function, part of its URN.

        Returns:
            The function URN, ``urn:fss:{region}:{project}:function:{pkg}:{name}:latest``.

        Raises:
            FunctionAlreadyExistsError: The URN is already registered.
            UserDataError: user_data is invalid or conflicts with another function's.
            HandlerLoadError: The handler cannot be loaded.
        """
        urn = (
            f"urn:fss:{self._region}:{project_id}:function:"
            f"{spec.package}:{spec.name}:{VERSION}"
        )
        if urn in self._functions:
            raise FunctionAlreadyExistsError(f"function {urn} is already registered")
        validate_user_data(spec.name, spec.user_data)

        # Exported before the import: handler modules often read settings at import.
        added = self._env.export(spec.name, spec.user_data)
        try:
            module_name, handler = load_handler(
                self._code_root, spec.handler, spec.name
            )
        except FunctionGraphError:
            self._env.withdraw(added)
            raise

        code_dir = (self._code_root / spec.handler.rpartition(".")[0]).parent
        with self._lock:
            if urn in self._functions:
                unload_module(module_name)
                self._env.withdraw(added)
                raise FunctionAlreadyExistsError(
                    f"function {urn} is already registered"
                )
            self._functions[urn] = _Function(
                spec,
                urn,
                domain_id,
                project_id,
                handler,
                module_name,
                code_dir,
                self._generation,
            )

        return urn

    def urn_of(self, name_or_urn: str) -> str:
        """Return the URN of a registered function given its name or URN.

        Raises:
            FunctionNotFoundError: No function (or more than one) matches.
        """
        return self._resolve(name_or_urn).urn

    def invoke(
        self, name_or_urn: str, event: dict[str, Any], *, request_id: str | None = None
    ) -> Invocation:
        """Run a function synchronously on the calling thread.

        Args:
            name_or_urn: Function name (when unique) or URN, with or without version.
            event: The event; it is passed as a JSON copy, as the platform would.
            request_id: Request ID for the context; a new UUID when omitted.

        Returns:
            The recorded invocation. A handler that raises gives ``status="error"``.

        Raises:
            FunctionNotFoundError: No function matches.
            PayloadTooLargeError: The event is over the 6 MB sync limit.
        """
        function = self._resolve(name_or_urn)
        payload = json_copy(event, SYNC_PAYLOAD_LIMIT, "synchronous event")

        invocation = self._run(
            function, payload, request_id or str(uuid.uuid4()), mode="sync", attempt=1
        )
        self._record(invocation, function)

        return invocation

    def invoke_async(self, function_urn: str, event: dict[str, Any]) -> None:
        """Queue an asynchronous invocation, retried on failure.

        Raises:
            FunctionNotFoundError: (a ``KeyError``) no function matches.
            PayloadTooLargeError: The event is over the 256 KB async limit.
        """
        function = self._resolve(function_urn)
        payload = json_copy(event, ASYNC_PAYLOAD_LIMIT, "asynchronous event")
        request_id = str(uuid.uuid4())

        with self._lock:
            if self._executor is None:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=self._async_workers, thread_name_prefix="fgs-async"
                )
            self._pending += 1
            self._executor.submit(self._run_async, function, payload, request_id)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no async invocation is queued or running.

        Returns:
            ``True`` when idle, ``False`` if ``timeout`` seconds passed first.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def reset(self) -> None:
        """Forget functions and invocations and restore the environment.

        Queued async invocations of forgotten functions are dropped; one already
        running finishes, unrecorded.
        """
        with self._lock:
            self._generation += 1
            for function in self._functions.values():
                unload_module(function.module_name)
            self._functions.clear()
            self._invocations.clear()
            self._env.restore()
            self._credentials.clear()

    def close(self) -> None:
        """Reset, then stop the async workers once running invocations finish."""
        self.reset()
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

        # Cancelled jobs never reach the ``finally`` that would count them down.
        with self._idle:
            self._pending = 0
            self._idle.notify_all()

    def _resolve(self, name_or_urn: str) -> _Function:
        with self._lock:
            if name_or_urn.startswith("urn:fss:"):
                urn = name_or_urn
                if urn.count(":") == 6:
                    urn = f"{urn}:{VERSION}"
                found = self._functions.get(urn)
                if found is None:
                    raise FunctionNotFoundError(
                        f"Not found the function: {name_or_urn}"
                    )
                return found

            matches = [
                f for f in self._functions.values() if f.spec.name == name_or_urn
            ]
        if len(matches) != 1:
            detail = "" if not matches else " (several accounts have it: use the URN)"
            raise FunctionNotFoundError(
                f"Not found the function: {name_or_urn}{detail}"
            )

        return matches[0]

    def _run_async(
        self, function: _Function, payload: dict[str, Any], request_id: str
    ) -> None:
        try:
            for attempt in range(1, self._max_async_retry_attempts + 2):
                if function.generation != self._generation:
                    return
                invocation = self._run(
                    function,
                    json_copy(payload, None, ""),
                    request_id,
                    mode="async",
                    attempt=attempt,
                )
                self._record(invocation, function)
                if invocation.ok:
                    return
            self._send_to_failure_destination(function, payload, invocation)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def _send_to_failure_destination(
        self, function: _Function, payload: dict[str, Any], last: Invocation
    ) -> None:
        topic_urn = function.spec.on_failure_topic_urn
        if topic_urn is None or self.failure_sink is None:
            return
        error = last.error or {}
        record = {
            "timestamp": last.finished_at.isoformat(timespec="milliseconds"),
            "request_context": {
                "request_id": last.request_id,
                "function_urn": function.urn,
                "condition": error.get("errorType", ""),
                "approximate_invoke_count": last.attempt,
            },
            "request_payload": json.dumps(payload),
            "response_context": {
                "status_code": 200,
                "function_error": error.get("errorMessage", ""),
            },
            "response_payload": "",
        }
        self.failure_sink(topic_urn, record)

    def _run(
        self,
        function: _Function,
        event: dict[str, Any],
        request_id: str,
        *,
        mode: InvocationMode,
        attempt: int,
    ) -> Invocation:
        context = self._context(function, request_id)
        result: Any = None
        error: dict[str, str] | None = None
        started_at = utc_now()
        clock = time.perf_counter()

        try:
            raw = function.handler(event, context)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a handler must not kill the runtime
            error = error_of(exc)
            context.getLogger().error(traceback.format_exc().rstrip())
        else:
            result, error = checked_result(raw, mode)

        duration_ms = (time.perf_counter() - clock) * 1000
        timeout_s = function.spec.timeout_seconds
        if error is None and duration_ms > timeout_s * 1000:
            result = None
            error = {
                "errorMessage": f"invocation timed out after {timeout_s} seconds",
                "errorType": "FunctionTimeout",
            }

        return Invocation(
            function_name=function.spec.name,
            function_urn=function.urn,
            request_id=request_id,
            trigger=trigger_kind(event),
            mode=mode,
            attempt=attempt,
            started_at=started_at,
            finished_at=utc_now(),
            duration_ms=duration_ms,
            status="ok" if error is None else "error",
            result=result,
            error=error,
            event=event,
        )

    def _context(self, function: _Function, request_id: str) -> FunctionContext:
        spec = function.spec

        def supply() -> TemporaryCredentials | None:
            if spec.agency is None:
                return None
            return self._credentials.get(function.domain_id, spec.agency)

        return FunctionContext(
            request_id=request_id,
            function_name=spec.name,
            package=spec.package,
            project_id=function.project_id,
            timeout_seconds=spec.timeout_seconds,
            memory_mb=spec.memory_mb,
            user_data=spec.user_data,
            credentials=supply,
            runtime_env=_runtime_env(function),
            version=VERSION,
        )

    def _record(self, invocation: Invocation, function: _Function) -> None:
        with self._lock:
            # A run that outlived a reset belongs to a world that no longer exists.
            if function.generation == self._generation:
                self._invocations.append(invocation)


def _runtime_env(function: _Function) -> dict[str, str]:
    spec = function.spec

    return {
        "RUNTIME_PROJECT_ID": function.project_id,
        "RUNTIME_FUNC_NAME": spec.name,
        "RUNTIME_FUNC_VERSION": VERSION,
        "RUNTIME_PACKAGE": spec.package,
        "RUNTIME_HANDLER": spec.handler,
        "RUNTIME_TIMEOUT": str(spec.timeout_seconds),
        "RUNTIME_USERDATA": json.dumps(spec.user_data),
        "RUNTIME_CPU": str(cpu_millicores(spec.memory_mb)),
        "RUNTIME_MEMORY": str(spec.memory_mb),
        "RUNTIME_MAX_RESP_BODY_SIZE": str(SYNC_PAYLOAD_LIMIT),
        # The handler's directory plays the unpacked ZIP (/opt/function/code).
        "RUNTIME_CODE_ROOT": str(function.code_dir.resolve()),
    }
