"""One warm function instance: settings, store and credential cache, built once.

FunctionGraph keeps an instance alive between invocations, so what is costly to build (the
database engine, agency credentials) lives here, keyed by the settings it was built from.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import os
import threading
from typing import Any

from pydantic import ValidationError

from evs_transfer.cloud.accounts import AgencyCredentialCache, Cloud
from evs_transfer.cloud.sdk import CloudCredentials
from evs_transfer.config import ENV_PREFIX, Settings
from evs_transfer.errors import ConfigurationError
from evs_transfer.logs import configure_logging
from evs_transfer.store import TransferStore, create_store_engine
from evs_transfer.workflow import TransferService


@dataclasses.dataclass(frozen=True)
class App:
    """What outlives one invocation."""

    settings: Settings
    store: TransferStore
    agency_cache: AgencyCredentialCache

    def service(self, context: Any) -> TransferService:
        """Return the workflow for one invocation, acting with the function's credentials."""
        cloud = Cloud(self.settings, function_credentials(context), self.agency_cache)

        return TransferService(
            self.settings, self.store, cloud, deadline=invocation_deadline(context)
        )


# Leases end this long before the platform stops the invocation: time to write the outcome.
DEADLINE_MARGIN = dt.timedelta(seconds=2)


def invocation_deadline(context: Any) -> dt.datetime | None:
    """Return when FunctionGraph will stop this invocation, if the context says."""
    remaining = getattr(context, "getRemainingTimeInMilliSeconds", None)
    milliseconds = remaining() if callable(remaining) else None
    if not isinstance(milliseconds, int) or milliseconds <= 0:
        return None
    now = dt.datetime.now(dt.timezone.utc)

    return now + dt.timedelta(milliseconds=milliseconds) - DEADLINE_MARGIN


_BUILD_LOCK = threading.Lock()
# One app per distinct environment; a process (localcloud, tests) may host several.
_APPS: collections.OrderedDict[tuple[tuple[str, str], ...], App] = (
    collections.OrderedDict()
)
MAX_APPS = 4


def current_app() -> App:
    """Return the instance's app for the current ``EVS_TRANSFER_*`` environment."""
    environment = tuple(
        sorted(
            (key, value)
            for key, value in os.environ.items()
            if key.startswith(ENV_PREFIX)
        )
    )

    # Concurrent first invocations of an instance must share one app (and one engine).
    with _BUILD_LOCK:
        app = _APPS.get(environment)
        if app is None:
            app = _APPS[environment] = _build_app()
            while len(_APPS) > MAX_APPS:
                _, evicted = _APPS.popitem(last=False)
                evicted.store.engine.dispose()
        _APPS.move_to_end(environment)

        return app


def close_apps() -> None:
    """Close every app's database connections, as an instance being recycled would."""
    with _BUILD_LOCK:
        while _APPS:
            _, app = _APPS.popitem()
            app.store.engine.dispose()


def _build_app() -> App:
    configure_logging()
    try:
        # Every field comes from the environment, which mypy cannot see.
        settings = Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        fields = sorted(
            {ENV_PREFIX + str(error["loc"][0]).upper() for error in exc.errors()}
        )
        raise ConfigurationError(
            f"the function's settings are invalid or missing: {', '.join(fields)}"
        ) from None

    return App(
        settings,
        TransferStore(create_store_engine(settings.store_url.get_secret_value())),
        AgencyCredentialCache(),
    )


def function_credentials(context: Any) -> CloudCredentials:
    """Return the temporary credentials FunctionGraph gives the function's agency.

    Raises:
        ConfigurationError: The function has no agency, so it has no credentials.
    """
    access = context.getSecurityAccessKey()
    secret = context.getSecuritySecretKey()
    token = context.getSecurityToken()
    if not (access and secret and token):
        raise ConfigurationError(
            "the function has no agency: it cannot call Huawei Cloud"
        )

    return CloudCredentials(access=access, secret=secret, security_token=token)
