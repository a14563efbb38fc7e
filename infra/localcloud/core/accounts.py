"""Accounts (IAM domains), their projects and every access key localcloud accepts.

Permanent keys come from the world; temporary keys are minted by IAM
(``create_temporary_access_key_by_agency``) and act in the delegating domain until they
expire, and only together with their security token.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import threading


@dataclasses.dataclass(frozen=True)
class Account:
    """One Huawei Cloud account: an IAM domain with projects and a permanent AK/SK."""

    name: str
    domain_id: str
    projects: dict[str, str]
    access_key: str
    secret_key: str = dataclasses.field(repr=False)
    user_id: str = ""

    @property
    def effective_user_id(self) -> str:
        """The IAM user that owns what this account creates (derived when unset)."""
        if self.user_id:
            return self.user_id

        return hashlib.sha256(f"user:{self.domain_id}".encode()).hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class AccessKey:
    """An AK/SK pair and the domain it acts in; temporary keys carry a token and expiry."""

    access_key: str
    secret_key: str = dataclasses.field(repr=False)
    domain_id: str = ""
    security_token: str | None = dataclasses.field(default=None, repr=False)
    expires_at: dt.datetime | None = None
    agency_name: str | None = None

    @property
    def is_temporary(self) -> bool:
        """Whether this key was minted through an agency."""
        return self.security_token is not None


class AccountRegistry:
    """Thread-safe lookup of accounts by name, domain, project and access key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] = {}
        self._keys: dict[str, AccessKey] = {}

    def add(self, account: Account) -> None:
        """Register an account and its permanent key.

        Raises:
            ValueError: When its name, domain, a project or its access key is taken.
        """
        key = AccessKey(account.access_key, account.secret_key, account.domain_id)
        with self._lock:
            self._check_unique(account)
            self._accounts[account.name] = account
            self._keys[account.access_key] = key

    def _check_unique(self, account: Account) -> None:
        for other in self._accounts.values():
            if other.name == account.name or other.domain_id == account.domain_id:
                raise ValueError(f"account {account.name!r} duplicates {other.name!r}")
            if set(other.projects.values()) & set(account.projects.values()):
                raise ValueError(
                    f"account {account.name!r} reuses a project of {other.name!r}"
                )
        if account.access_key in self._keys:
            raise ValueError(f"account {account.name!r} reuses an access key")

    def add_temporary_key(self, key: AccessKey) -> None:
        """Register a key minted by IAM."""
        with self._lock:
            self._keys[key.access_key] = key

    def clear(self) -> None:
        """Forget every account and key."""
        with self._lock:
            self._accounts.clear()
            self._keys.clear()

    def key(self, access_key: str) -> AccessKey | None:
        """Return the key record of ``access_key`` if it exists."""
        with self._lock:
            return self._keys.get(access_key)

    def by_name(self, name: str) -> Account | None:
        """Return the account called ``name`` (also its IAM domain name)."""
        with self._lock:
            return self._accounts.get(name)

    def by_domain(self, domain_id: str) -> Account | None:
        """Return the account whose domain id is ``domain_id``."""
        with self._lock:
            return next(
                (a for a in self._accounts.values() if a.domain_id == domain_id), None
            )

    def by_project(self, project_id: str) -> Account | None:
        """Return the account owning ``project_id``."""
        with self._lock:
            accounts = list(self._accounts.values())

        return next((a for a in accounts if project_id in a.projects.values()), None)

    def key_material(self) -> list[str]:
        """Return every AK, SK and security token registered, for leak checks in tests."""
        with self._lock:
            keys = list(self._keys.values())

        return [
            value
            for key in keys
            for value in (key.access_key, key.secret_key, key.security_token)
            if value
        ]

    def all(self) -> list[Account]:
        """Return every account, in registration order."""
        with self._lock:
            return list(self._accounts.values())
