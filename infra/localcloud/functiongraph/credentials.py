"""Agency credentials for functions, cached the way FunctionGraph caches them.

FunctionGraph hands the same temporary AK/SK/token to a function's invocations for a
while (OTC documents a 10-minute cache) instead of minting a set per call. The cache
here keeps one set per (domain, agency) and asks the issuer again shortly before the
set expires, so a handler never receives credentials about to lapse.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

from localcloud.functiongraph.specs import CredentialIssuer, TemporaryCredentials

Clock = Callable[[], dt.datetime]

DEFAULT_REFRESH_MARGIN = dt.timedelta(minutes=5)


def utc_now() -> dt.datetime:
    """Return the current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.timezone.utc)


class AgencyCredentialCache:
    """Caches agency credentials per (domain_id, agency_name).

    Args:
        issuer: Mints credentials (IAM's CreateTemporaryAccessKeyByAgency locally).
        refresh_margin: Ask again once a cached set expires within this margin.
        clock: Returns the current aware time; a seam for tests.
    """

    def __init__(
        self,
        issuer: CredentialIssuer,
        *,
        refresh_margin: dt.timedelta = DEFAULT_REFRESH_MARGIN,
        clock: Clock = utc_now,
    ) -> None:
        self._issuer = issuer
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._cached: dict[tuple[str, str], TemporaryCredentials] = {}
        self._lock = threading.Lock()

    def get(self, domain_id: str, agency_name: str) -> TemporaryCredentials:
        """Return valid credentials for the agency, minting a new set when needed."""
        key = (domain_id, agency_name)
        with self._lock:
            cached = self._cached.get(key)
            if cached is not None and not self._expiring(cached):
                return cached

            issued = self._issuer.issue_agency_credentials(domain_id, agency_name)
            self._cached[key] = issued

            return issued

    def clear(self) -> None:
        """Forget every cached set."""
        with self._lock:
            self._cached.clear()

    def _expiring(self, credentials: TemporaryCredentials) -> bool:
        expires_at = credentials.expires_at
        if expires_at.tzinfo is None:
            # Naive expiry times are read as UTC, the zone IAM reports them in.
            expires_at = expires_at.replace(tzinfo=dt.timezone.utc)

        return expires_at - self._refresh_margin <= self._clock()

    def __repr__(self) -> str:
        return f"AgencyCredentialCache(entries={len(self._cached)})"
