"""The ``context`` object handed to a Python handler (functiongraph.md §1.3).

Method names are camelCase because handlers written for FunctionGraph call them that
way. The context holds the agency's temporary credentials, so its ``repr`` and ``str``
name the invocation only.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
import types
from collections.abc import Callable, Mapping
from typing import ClassVar

from localcloud.functiongraph.specs import TemporaryCredentials

CredentialSupplier = Callable[[], "TemporaryCredentials | None"]

_LEVELS = {"DEBUG": 10, "INFO": 20, "WARN": 30, "ERROR": 40}
# One lock for every logger: handlers run in worker threads and a line must not be
# interleaved with another thread's line.
_WRITE_LOCK = threading.Lock()


class FunctionLogger:
    """The logger ``context.getLogger()`` returns.

    Each line reads ``<ISO time> <request id> <LEVEL> <message>`` on stderr, the
    "time, request ID, content" format of the Huawei docs with the level added the
    way the OTC reconstruction prints it. Every level is printed until ``setLevel``
    raises the threshold.
    """

    def __init__(self, request_id: str) -> None:
        self._request_id = request_id
        self._threshold = _LEVELS["DEBUG"]

    def setLevel(self, level: str) -> None:  # noqa: N802 - FunctionGraph API name
        """Print only messages at ``level`` (DEBUG, INFO, WARN, ERROR) or above.

        Raises:
            ValueError: ``level`` is not one of the four levels.
        """
        name = level.upper().replace("WARNING", "WARN")
        if name not in _LEVELS:
            raise ValueError(f"unknown log level {level!r}")

        self._threshold = _LEVELS[name]

    def debug(self, message: object) -> None:
        """Print ``message`` at DEBUG level."""
        self._emit("DEBUG", message)

    def info(self, message: object) -> None:
        """Print ``message`` at INFO level."""
        self._emit("INFO", message)

    def warn(self, message: object) -> None:
        """Print ``message`` at WARN level."""
        self._emit("WARN", message)

    def warning(self, message: object) -> None:
        """Print ``message`` at WARN level (alias of ``warn``)."""
        self._emit("WARN", message)

    def error(self, message: object) -> None:
        """Print ``message`` at ERROR level."""
        self._emit("ERROR", message)

    def _emit(self, level: str, message: object) -> None:
        if _LEVELS[level] < self._threshold:
            return

        stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
        line = f"{stamp} {self._request_id} {level} {message}\n"
        with _WRITE_LOCK:
            # sys.stderr is looked up per call so test capture and redirection work.
            sys.stderr.write(line)
            sys.stderr.flush()

    def __repr__(self) -> str:
        return f"FunctionLogger(request_id={self._request_id!r})"


class FunctionContext:
    """What FunctionGraph passes as the second handler argument.

    Args:
        request_id: The invocation's request ID.
        function_name: Name of the function.
        package: Function group (``app``), e.g. ``default``.
        project_id: Project the function runs in.
        timeout_seconds: The function's configured timeout.
        memory_mb: The function's configured memory.
        user_data: The function's environment variables.
        credentials: Returns the agency's temporary credentials, or ``None`` when the
            function has no agency. Called at most once per context, so the AK, SK and
            token a handler reads always belong together.
        runtime_env: The ``RUNTIME_*`` variables of this invocation.
        version: Function version; the emulator runs ``latest`` only.
    """

    _NO_CREDENTIALS: ClassVar[tuple[str, str, str]] = ("", "", "")

    def __init__(  # noqa: PLR0913 - keyword-only, one argument per context getter
        self,
        *,
        request_id: str,
        function_name: str,
        package: str,
        project_id: str,
        timeout_seconds: int,
        memory_mb: int,
        user_data: Mapping[str, str],
        credentials: CredentialSupplier,
        runtime_env: Mapping[str, str],
        version: str = "latest",
    ) -> None:
        self._request_id = request_id
        self._function_name = function_name
        self._package = package
        self._project_id = project_id
        self._timeout_seconds = timeout_seconds
        self._memory_mb = memory_mb
        self._user_data = types.MappingProxyType(dict(user_data))
        self._credential_supplier = credentials
        self._credentials: tuple[str, str, str] | None = None
        self._credentials_lock = threading.Lock()
        self._runtime_env = types.MappingProxyType(dict(runtime_env))
        self._version = version
        self._started = time.monotonic()
        self._logger = FunctionLogger(request_id)

    def getRequestID(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return the request ID of this invocation."""
        return self._request_id

    def getRemainingTimeInMilliSeconds(self) -> int:  # noqa: N802 - FunctionGraph API name
        """Return the milliseconds left before the function's timeout (never negative)."""
        elapsed_ms = (time.monotonic() - self._started) * 1000

        return max(0, int(self._timeout_seconds * 1000 - elapsed_ms))

    def getSecurityAccessKey(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return the agency's temporary AK, or "" when the function has no agency."""
        return self._agency_credentials()[0]

    def getSecuritySecretKey(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return the agency's temporary SK, or "" when the function has no agency."""
        return self._agency_credentials()[1]

    def getSecurityToken(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return the agency's security token, or "" when the function has no agency."""
        return self._agency_credentials()[2]

    def getAccessKey(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return "": Huawei no longer maintains this getter (use the security ones)."""
        return ""

    def getSecretKey(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return "": Huawei no longer maintains this getter (use the security ones)."""
        return ""

    def getToken(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return "": the emulator issues no IAM token to functions."""
        return ""

    def getUserData(  # noqa: N802 - FunctionGraph API name
        self, key: str, default: str | None = None
    ) -> str | None:
        """Return the environment variable ``key`` set on the function, or ``default``."""
        return self._user_data.get(key, default)

    def getFunctionName(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return the function name."""
        return self._function_name

    def getVersion(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return the function version (always ``latest`` here)."""
        return self._version

    def getPackage(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return the function group, e.g. ``default``."""
        return self._package

    def getMemorySize(self) -> int:  # noqa: N802 - FunctionGraph API name
        """Return the configured memory in MB."""
        return self._memory_mb

    def getCPUNumber(self) -> int:  # noqa: N802 - FunctionGraph API name
        """Return the CPU share in millicores, proportional to memory (256 MB → 400)."""
        return cpu_millicores(self._memory_mb)

    def getRunningTimeInSeconds(self) -> int:  # noqa: N802 - FunctionGraph API name
        """Return the function timeout in seconds."""
        return self._timeout_seconds

    def getProjectID(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return the project ID the function runs in."""
        return self._project_id

    def getAlias(self) -> str:  # noqa: N802 - FunctionGraph API name
        """Return the alias the function was invoked through ("" : no aliases here)."""
        return ""

    def getLogger(self) -> FunctionLogger:  # noqa: N802 - FunctionGraph API name
        """Return the invocation's logger."""
        return self._logger

    @property
    def runtime_env(self) -> Mapping[str, str]:
        """The ``RUNTIME_*`` variables of this invocation (read-only).

        They live here rather than in ``os.environ`` because handlers of different
        functions run in the same process at the same time.
        """
        return self._runtime_env

    def _agency_credentials(self) -> tuple[str, str, str]:
        with self._credentials_lock:
            if self._credentials is None:
                issued = self._credential_supplier()
                self._credentials = (
                    self._NO_CREDENTIALS
                    if issued is None
                    else (issued.access, issued.secret, issued.security_token)
                )

            return self._credentials

    def __repr__(self) -> str:
        return (
            f"FunctionContext(function_name={self._function_name!r}, "
            f"request_id={self._request_id!r}, project_id={self._project_id!r})"
        )

    __str__ = __repr__


def cpu_millicores(memory_mb: int) -> int:
    """Return FunctionGraph's CPU share for ``memory_mb`` (about 200 + 100 per 128 MB)."""
    return 200 + memory_mb * 100 // 128
