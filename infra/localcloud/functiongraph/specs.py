"""What a world file says about FunctionGraph: functions, their triggers and the gateway.

These models are the contract between the world loader, the SMN backend (which delivers
to ``functionstage`` subscriptions) and the function runtime that runs handlers in-process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field


class FunctionSpec(BaseModel):
    """A function deployed in one account, as ``huaweicloud_fgs_function`` declares it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,59}$")
    account: str
    handler: str = Field(
        description="Path of the handler, e.g. functions/x/index.handler"
    )
    agency: str | None = None
    package: str = "default"
    timeout_seconds: int = Field(default=60, ge=3, le=259_200)
    memory_mb: int = 256
    user_data: dict[str, str] = Field(default_factory=dict)
    on_failure_topic_urn: str | None = Field(
        default=None,
        description="SMN destination of async invocations that fail every attempt",
    )


class ApigRoute(BaseModel):
    """One API of the gateway group, backed by a function (an APIG trigger)."""

    model_config = ConfigDict(extra="forbid")

    method: str = Field(pattern=r"^(GET|POST|PUT|PATCH|DELETE)$")
    path: str = Field(pattern=r"^/")
    function: str
    base64_body: bool = True
    auth: Literal["NONE", "IAM"] = "NONE"
    """APIG's ``security_authentication``: IAM verifies the caller's AK/SK signature."""


@dataclasses.dataclass(frozen=True)
class TemporaryCredentials:
    """Temporary AK/SK and security token, valid together until ``expires_at``."""

    access: str
    secret: str = dataclasses.field(repr=False)
    security_token: str = dataclasses.field(repr=False)
    expires_at: dt.datetime


class CredentialIssuer(Protocol):
    """Mints the credentials FunctionGraph hands a function through its agency."""

    def issue_agency_credentials(
        self, domain_id: str, agency_name: str
    ) -> TemporaryCredentials:
        """Return temporary credentials acting in ``domain_id`` through ``agency_name``."""


class FunctionInvoker(Protocol):
    """What the SMN backend needs to deliver a message to a ``functionstage`` endpoint."""

    def invoke_async(self, function_urn: str, event: dict[str, Any]) -> None:
        """Queue an asynchronous invocation; raises ``KeyError`` for an unknown URN."""


class TimerTrigger(BaseModel):
    """A TIMER trigger of a function, as ``huaweicloud_fgs_function_trigger`` declares it.

    localcloud keeps no clock-driven schedule: a timer fires when it is asked to (the admin
    API or :meth:`localcloud.cloud.LocalCloud.fire_timer`), with the event the platform
    would send. ``schedule`` is kept so that worlds read like the deployment.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
    function: str
    schedule_type: Literal["Rate", "Cron"] = "Rate"
    schedule: str = "10m"
    user_event: str = ""
