"""Shared helpers of the FunctionGraph unit tests: a fake issuer and constants."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localcloud.functiongraph.specs import TemporaryCredentials

EVENTS_DIR = Path(__file__).resolve().parents[3] / "events"
REGION = "ap-southeast-1"
DOMAIN_ID = "d0000000000000000000000000000001"
PROJECT_ID = "p0000000000000000000000000000001"

MakeHandler = Callable[[str, str], str]
Register = Callable[..., str]
LoadEvent = Callable[[str], dict[str, Any]]


class FakeIssuer:
    """Mints numbered credentials and counts the calls; lifetime is configurable."""

    def __init__(self, lifetime: dt.timedelta = dt.timedelta(hours=1)) -> None:
        self.lifetime = lifetime
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def issue_agency_credentials(
        self, domain_id: str, agency_name: str
    ) -> TemporaryCredentials:
        with self._lock:
            self.calls.append((domain_id, agency_name))
            n = len(self.calls)

        return TemporaryCredentials(
            access=f"AKTEMP{n:04d}",
            secret=f"SKSECRET{n:04d}",
            security_token=f"TOKEN{n:04d}",
            expires_at=dt.datetime.now(dt.timezone.utc) + self.lifetime,
        )
