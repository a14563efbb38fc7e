"""In-memory IAM state: agencies, and the minting of temporary credentials.

An agency of a *delegating* account trusts one other account (``trust_domain_id``) or a
cloud service (``trust_domain_name``, e.g. ``op_svc_cff`` for FunctionGraph). Credentials
minted through it act in the delegating account until they expire, and only together
with their security token.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import string
import threading
import uuid

from localcloud.core.accounts import AccessKey, Account, AccountRegistry
from localcloud.functiongraph.specs import TemporaryCredentials
from localcloud.iam import errors

FUNCTIONGRAPH_SERVICE_DOMAIN = "op_svc_cff"
MIN_DURATION = dt.timedelta(seconds=900)
MAX_DURATION = dt.timedelta(seconds=86400)
FUNCTION_CREDENTIAL_LIFETIME = dt.timedelta(hours=24)
_AK_ALPHABET = string.ascii_uppercase + string.digits


@dataclasses.dataclass(frozen=True)
class Agency:
    """A delegation from ``domain_id`` to a trusted account or service."""

    name: str
    domain_id: str
    trust_domain_id: str | None = None
    trust_domain_name: str | None = None
    id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)

    def trusts(self, account: Account) -> bool:
        """Whether ``account`` may assume this agency."""
        if self.trust_domain_name is not None:
            return self.trust_domain_name == account.name

        return self.trust_domain_id == account.domain_id


class IamBackend:
    """Thread-safe agencies; mints temporary keys into the account registry."""

    def __init__(self, registry: AccountRegistry) -> None:
        self._registry = registry
        self._lock = threading.Lock()
        self._agencies: dict[tuple[str, str], Agency] = {}

    def reset(self) -> None:
        """Forget every agency (the registry is reset by its owner)."""
        with self._lock:
            self._agencies.clear()

    def add_agency(self, agency: Agency) -> None:
        """Create an agency in its delegating domain."""
        with self._lock:
            key = (agency.domain_id, agency.name)
            if key in self._agencies:
                raise ValueError(f"duplicate agency {agency.name!r}")
            self._agencies[key] = agency

    def assume(
        self,
        *,
        caller_domain_id: str,
        domain: Account,
        agency_name: str,
        duration: dt.timedelta,
    ) -> TemporaryCredentials:
        """Mint credentials for a caller account through ``domain``'s agency.

        Raises:
            CloudError: 404 unknown agency; 403 when the agency does not trust the caller.
        """
        caller = self._registry.by_domain(caller_domain_id)
        with self._lock:
            agency = self._agencies.get((domain.domain_id, agency_name))
        if agency is None:
            raise errors.not_found(f"Could not find agency: {agency_name}.")
        if caller is None or not agency.trusts(caller):
            raise errors.forbidden(
                f"The agency {agency_name} does not trust the calling account."
            )

        return self._mint(agency, duration)

    def issue_agency_credentials(
        self, domain_id: str, agency_name: str
    ) -> TemporaryCredentials:
        """Mint what FunctionGraph hands a function running with an agency.

        Raises:
            LookupError: The agency does not exist in ``domain_id``.
            PermissionError: The agency does not trust FunctionGraph (``op_svc_cff``).
        """
        with self._lock:
            agency = self._agencies.get((domain_id, agency_name))
        if agency is None:
            raise LookupError(
                f"agency {agency_name!r} does not exist in domain {domain_id}"
            )
        if agency.trust_domain_name != FUNCTIONGRAPH_SERVICE_DOMAIN:
            raise PermissionError(
                f"agency {agency_name!r} does not trust {FUNCTIONGRAPH_SERVICE_DOMAIN}"
            )

        return self._mint(agency, FUNCTION_CREDENTIAL_LIFETIME)

    def _mint(self, agency: Agency, duration: dt.timedelta) -> TemporaryCredentials:
        expires_at = dt.datetime.now(dt.timezone.utc) + duration
        credentials = TemporaryCredentials(
            access="".join(secrets.choice(_AK_ALPHABET) for _ in range(20)),
            secret=secrets.token_urlsafe(30),
            security_token="gAAAAA" + secrets.token_urlsafe(192),
            expires_at=expires_at,
        )
        self._registry.add_temporary_key(
            AccessKey(
                access_key=credentials.access,
                secret_key=credentials.secret,
                domain_id=agency.domain_id,
                security_token=credentials.security_token,
                expires_at=expires_at,
                agency_name=agency.name,
            )
        )

        return credentials
