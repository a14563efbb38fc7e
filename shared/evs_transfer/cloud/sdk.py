"""Building Huawei SDK clients and translating what they raise.

Every SDK call of the domain goes through :func:`call`, which is the boundary where
``huaweicloudsdkcore`` and ``requests`` exceptions become :class:`~evs_transfer.errors.CloudError`.
Reads are retried with exponential backoff and jitter on throttling, 5xx and connection
errors; writes are never retried here, because EVS create and accept are not idempotent: the
workflow reconciles them with the cloud's state instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import (
    ConnectionException,
    RequestTimeoutException,
    ServerResponseException,
    ServiceResponseException,
)
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.http.http_handler import HttpHandler
from requests.adapters import HTTPAdapter
from tenacity import (
    RetryCallState,
    retry,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)
from tenacity.wait import wait_base
from urllib3.util import Retry

from evs_transfer.errors import CloudError, CloudRejected, CloudUnavailable

T = TypeVar("T")

READ_ATTEMPTS = 4
# A longer Retry-After than this is not waited for inside one invocation: it fails instead,
# and the caller (or FunctionGraph's async retry) tries again later.
MAX_RETRY_AFTER_SECONDS = 10.0
CONNECT_TIMEOUT_SECONDS = 5.0


@dataclasses.dataclass(frozen=True)
class CloudCredentials:
    """AK/SK, optionally temporary with a security token. Never shows its material."""

    access: str = dataclasses.field(repr=False)
    secret: str = dataclasses.field(repr=False)
    security_token: str | None = dataclasses.field(default=None, repr=False)
    expires_at: dt.datetime | None = None

    def __str__(self) -> str:
        return repr(self)

    def basic(self, project_id: str) -> BasicCredentials:
        """Return SDK credentials for a regional service in ``project_id``."""
        credentials = BasicCredentials(self.access, self.secret, project_id)
        if self.security_token:
            credentials = credentials.with_security_token(self.security_token)

        return credentials

    def global_(self, domain_id: str) -> GlobalCredentials:
        """Return SDK credentials for a global service (IAM) in ``domain_id``."""
        credentials = GlobalCredentials(self.access, self.secret, domain_id)
        if self.security_token:
            credentials = credentials.with_security_token(self.security_token)

        return credentials


def http_config(timeout_seconds: float) -> HttpConfig:
    """Return the SDK HTTP settings: short connect timeout, no SDK-level retries."""
    config = HttpConfig.get_default_config()
    config.timeout = (CONNECT_TIMEOUT_SECONDS, timeout_seconds)
    config.retry_times = 0

    return config


def build_client(
    client_class: Any,
    region_class: Any,
    credentials: Any,
    *,
    region: str,
    endpoint: str | None,
    timeout_seconds: float,
) -> Any:
    """Build an SDK client for ``region``, or for ``endpoint`` when one is configured."""
    config = http_config(timeout_seconds)
    builder = (
        client_class.new_builder()
        .with_credentials(credentials)
        .with_http_config(config)
        .with_http_handler(HttpHandler().add_response_handler(_note_retry_after))
    )
    if endpoint:
        builder = builder.with_endpoints([endpoint])
    else:
        builder = builder.with_region(region_class.value_of(region))
    client = builder.build()
    _answer_throttling_as_is(client, config)

    return client


def _answer_throttling_as_is(client: Any, config: HttpConfig) -> None:
    # The SDK mounts urllib3 retries that turn a GET's 429 into an error without its
    # headers, so Retry-After would be lost. Reads are retried here, with tenacity, so
    # the session gets an adapter that hands every answer back unretried. The session is
    # not public API: should a later SDK move it, 429s fall back to our own backoff (and
    # the Retry-After test says so).
    session = getattr(client.get_http_client(), "_session", None)
    if not isinstance(session, requests.Session):
        return
    adapter = HTTPAdapter(
        pool_connections=config.pool_connections,
        pool_maxsize=config.pool_maxsize,
        max_retries=Retry(total=0, raise_on_status=False),
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)


def call(
    service: str, operation: str, action: Callable[[], T], *, read: bool = False
) -> T:
    """Run one SDK call, translating its failures into :class:`CloudError`.

    Args:
        service: Service key for messages and logs (``evs``, ``kms``, ``smn``, ``iam``).
        operation: The Huawei API operation, e.g. ``CinderCreateVolumeTransfer``.
        action: A no-argument callable making exactly one SDK request.
        read: True for side-effect-free requests, which are retried on transient failures.

    Raises:
        CloudRejected: The service answered with a 4xx error other than throttling.
        CloudUnavailable: The service could not be reached, timed out, throttled or failed.
    """

    def once() -> T:
        try:
            return action()
        except ServiceResponseException as exc:
            raise _service_error(service, operation, exc) from exc
        except (ConnectionException, RequestTimeoutException) as exc:
            raise CloudUnavailable(
                f"{service} {operation}: the service could not be reached",
                service=service,
                operation=operation,
            ) from exc
        except requests.RequestException as exc:
            # The SDK lets a raw ReadTimeout escape for POST requests.
            raise CloudUnavailable(
                f"{service} {operation}: no answer from the service ({type(exc).__name__})",
                service=service,
                operation=operation,
            ) from exc

    if not read:
        return once()

    retrying = retry(
        retry=retry_if_exception(lambda exc: isinstance(exc, CloudUnavailable)),
        stop=stop_after_attempt(READ_ATTEMPTS),
        wait=_RetryAfterOr(
            wait_exponential_jitter(multiplier=0.2, max=5.0, jitter=0.2)
        ),
        reraise=True,
    )

    return retrying(once)()


class _RetryAfterOr(wait_base):
    """Wait what the service asked for (``Retry-After``), else the fallback's backoff."""

    def __init__(self, fallback: wait_base) -> None:
        self._fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        failure = outcome.exception() if outcome is not None else None
        asked = getattr(failure, "retry_after", None)
        if isinstance(asked, (int, float)) and 0 <= asked <= MAX_RETRY_AFTER_SECONDS:
            return float(asked)

        return float(self._fallback(retry_state))


# The SDK's exceptions carry no headers: the response hook, which runs on the calling
# thread before the SDK raises, leaves the throttling hint here for _service_error.
_last_response = threading.local()


def _note_retry_after(**kwargs: Any) -> None:
    response = kwargs.get("response")
    value = response.headers.get("Retry-After") if response is not None else None
    _last_response.retry_after = _seconds(value)


def _seconds(value: str | None) -> float | None:
    try:
        return None if value is None else float(value)
    except ValueError:
        # An HTTP date instead of seconds: fall back to our own backoff.
        return None


def _service_error(
    service: str, operation: str, exc: ServiceResponseException
) -> CloudError:
    status = int(exc.status_code) if exc.status_code is not None else None
    # Cinder-style faults carry an int code; Huawei's carry "EVS.5400": normalise to text.
    error_code = None if exc.error_code is None else str(exc.error_code)
    error_class: type[CloudError] = CloudRejected
    if isinstance(exc, ServerResponseException) or status == 429:
        error_class = CloudUnavailable

    # A gateway 401 can echo the access key id ("ak:...,err:ak not exist"): keep its text out.
    detail = "authentication failed" if status == 401 else exc.error_msg
    error = error_class(
        f"{service} {operation} failed: HTTP {status} {error_code}: {detail}",
        service=service,
        operation=operation,
        http_status=status,
        error_code=error_code,
        request_id=exc.request_id or None,
    )
    if isinstance(error, CloudUnavailable):
        error.retry_after = getattr(_last_response, "retry_after", None)

    return error
