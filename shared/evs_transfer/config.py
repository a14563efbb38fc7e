"""Settings of one broker deployment, read from ``EVS_TRANSFER_*`` environment variables.

FunctionGraph exposes a function's user data (``user_data`` in Terraform) as environment
variables, so the same settings class serves the cloud, localcloud and the tests. Complex
values (``MEMBERS``, ``ENDPOINTS``) are JSON text.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StringConstraints,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from evs_transfer.errors import UnknownAccount

ENV_PREFIX = "EVS_TRANSFER_"

HexId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
TopicUrn = Annotated[
    str, StringConstraints(pattern=r"^urn:smn:[a-z0-9-]+:[0-9a-f]{32}:[\w-]+$")
]


class MemberAccount(BaseModel):
    """An account that gives or receives disks through the broker."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    domain_id: HexId
    project_ids: dict[str, HexId] = Field(description="Project id per region")
    agency_name: str | None = Field(
        default=None,
        description="Agency in this account trusting the broker; None for the broker itself",
    )
    notification_topic_urn: TopicUrn | None = None
    requests_topic_urn: TopicUrn | None = Field(
        default=None,
        description="The broker's topic only this member may publish requests to",
    )

    def project_id(self, region: str) -> str:
        """Return this account's project id in ``region``.

        Raises:
            UnknownAccount: The account has no project configured in that region.
        """
        try:
            return self.project_ids[region]
        except KeyError:
            raise UnknownAccount(
                f"account {self.name!r} has no project configured in region {region!r}"
            ) from None


class Settings(BaseSettings):
    """Everything a function needs to know about its deployment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", frozen=True
    )

    region: str = Field(pattern=r"^[a-z]{2}-[a-z]+-\d+$")
    endpoints: dict[str, str] = Field(
        default_factory=dict,
        description="Endpoint override per service key (evs, kms, smn, iam); empty in the cloud",
    )
    store_url: SecretStr = Field(
        default=SecretStr("sqlite:////tmp/evs-transfer.db"),
        description="SQLAlchemy URL; it may hold the database password",
    )
    broker_domain_id: HexId
    broker_project_id: HexId
    kms_key_id: str = Field(min_length=1)
    approvals_topic_urn: TopicUrn
    requests_topic_urn: TopicUrn | None = None
    api_url: str | None = Field(
        default=None,
        description="Public base URL of the HTTP API, used in notifications",
    )
    members: tuple[MemberAccount, ...] = Field(min_length=1)
    transfer_ttl_hours: int = Field(default=72, ge=1, le=720)
    min_ttl_seconds: int = Field(default=300, ge=1)
    max_ttl_hours: int = Field(default=168, ge=1, le=720)
    accept_lease_seconds: int = Field(default=900, ge=30, le=86400)
    max_failed_approvals: int = Field(default=5, ge=1, le=100)
    notification_retry_seconds: int = Field(default=60, ge=0, le=86400)
    sweep_batch_size: int = Field(default=100, ge=1, le=1000)
    batch_retry_seconds: int = Field(
        default=300,
        ge=0,
        le=86400,
        description="How long a batch's per-disk message may go unanswered before it is sent again",
    )
    agency_session_seconds: int = Field(default=3600, ge=900, le=86400)
    http_timeout_seconds: float = Field(default=30.0, gt=0, le=120)

    @model_validator(mode="after")
    def _ttl_bounds_hold(self) -> Settings:
        default = self.transfer_ttl_hours * 3600
        if not self.min_ttl_seconds <= default <= self.max_ttl_hours * 3600:
            raise ValueError(
                "transfer_ttl_hours must lie between min_ttl_seconds and max_ttl_hours"
            )

        return self

    @model_validator(mode="after")
    def _requests_topics_are_distinct(self) -> Settings:
        own = [m.requests_topic_urn for m in self.members if m.requests_topic_urn]
        if len(set(own)) != len(own) or self.requests_topic_urn in own:
            raise ValueError(
                "each member's requests topic must be its own, not the shared one"
            )

        return self

    @model_validator(mode="after")
    def _members_are_unique(self) -> Settings:
        names = [member.name for member in self.members]
        domains = [member.domain_id for member in self.members]
        if len(set(names)) != len(names) or len(set(domains)) != len(domains):
            raise ValueError("member accounts must have unique names and domain ids")
        if set(names) & set(domains):
            # An account is named by either: one's name may not be another's id.
            raise ValueError("a member name may not be a member's domain id")

        return self

    def member(self, name_or_domain_id: str) -> MemberAccount:
        """Find a member account by its name or its domain id.

        Raises:
            UnknownAccount: No configured member matches.
        """
        for member in self.members:
            if name_or_domain_id in (member.name, member.domain_id):
                return member

        raise UnknownAccount(
            f"account {name_or_domain_id!r} is not a configured member"
        )

    def requester_of(self, topic_urn: str) -> MemberAccount | None:
        """Return the member whose own requests topic ``topic_urn`` is, if any."""
        for member in self.members:
            if (
                member.requests_topic_urn is not None
                and member.requests_topic_urn == topic_urn
            ):
                return member

        return None

    def is_broker(self, member: MemberAccount) -> bool:
        """Tell whether ``member`` is the broker account the functions run in."""
        return member.domain_id == self.broker_domain_id
