"""Acting in member accounts: the broker's own credentials, or an agency's.

The functions run in the broker account with the temporary credentials FunctionGraph gives
their agency. To act in another member account they assume the agency that account created
to trust the broker, and keep the temporary credentials while they stay valid.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from huaweicloudsdkcbr.v1 import CbrClient
from huaweicloudsdkcbr.v1.region.cbr_region import CbrRegion
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkecs.v2 import EcsClient
from huaweicloudsdkecs.v2.region.ecs_region import EcsRegion
from huaweicloudsdkevs.v2 import EvsClient
from huaweicloudsdkevs.v2.region.evs_region import EvsRegion
from huaweicloudsdkiam.v3 import IamClient
from huaweicloudsdkiam.v3.region.iam_region import IamRegion
from huaweicloudsdkkms.v2 import KmsClient
from huaweicloudsdkkms.v2.region.kms_region import KmsRegion
from huaweicloudsdksmn.v2 import SmnClient
from huaweicloudsdksmn.v2.region.smn_region import SmnRegion

from evs_transfer.cloud.cbr import Cbr
from evs_transfer.cloud.ecs import Ecs
from evs_transfer.cloud.evs import Evs
from evs_transfer.cloud.iam import Iam
from evs_transfer.cloud.kms import Kms
from evs_transfer.cloud.sdk import CloudCredentials, build_client
from evs_transfer.cloud.smn import Smn
from evs_transfer.config import MemberAccount, Settings
from evs_transfer.errors import ConfigurationError

# Renew agency credentials this long before they expire, so that no call starts with
# credentials that lapse mid-flight.
RENEWAL_MARGIN = dt.timedelta(minutes=5)


class AgencyCredentialCache:
    """Temporary agency credentials per (domain, agency), shared by invocations of a process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], CloudCredentials] = {}

    def get(
        self, domain_id: str, agency_name: str, now: dt.datetime
    ) -> CloudCredentials | None:
        """Return cached credentials that stay valid past the renewal margin."""
        with self._lock:
            entry = self._entries.get((domain_id, agency_name))
        if (
            entry is None
            or entry.expires_at is None
            or entry.expires_at - now < RENEWAL_MARGIN
        ):
            return None

        return entry

    def put(
        self, domain_id: str, agency_name: str, credentials: CloudCredentials
    ) -> None:
        """Remember credentials for later invocations."""
        with self._lock:
            self._entries[(domain_id, agency_name)] = credentials

    def forget(self, domain_id: str, agency_name: str) -> None:
        """Drop credentials the cloud refused (the agency was deleted or re-created)."""
        with self._lock:
            self._entries.pop((domain_id, agency_name), None)


class _ForgetOnRefusal:
    """An SDK client whose 401 answers drop the cached agency credentials it used.

    The refused call still fails; the next one assumes the agency again instead of using
    credentials that can no longer work until they would have expired.
    """

    def __init__(self, client: Any, forget: Callable[[], None]) -> None:
        self._client = client
        self._forget = forget

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not callable(method):
            return method

        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            except ClientRequestException as exc:
                if exc.status_code == 401:
                    self._forget()
                raise

        return guarded


class Cloud:
    """The SDK clients one invocation needs, each with the right account's credentials."""

    def __init__(
        self,
        settings: Settings,
        function_credentials: CloudCredentials,
        agency_cache: AgencyCredentialCache,
    ) -> None:
        self._settings = settings
        self._function_credentials = function_credentials
        self._agency_cache = agency_cache

    @property
    def region(self) -> str:
        """The deployment's region."""
        return self._settings.region

    def credentials_for(self, member: MemberAccount) -> CloudCredentials:
        """Return credentials acting in ``member``: the broker's own, or its agency's."""
        if self._settings.is_broker(member):
            return self._function_credentials
        if not member.agency_name:
            raise ConfigurationError(
                f"member {member.name!r} has no agency_name; the broker cannot act in it"
            )
        now = dt.datetime.now(dt.timezone.utc)
        cached = self._agency_cache.get(member.domain_id, member.agency_name, now)
        if cached is not None:
            return cached
        credentials = self.iam().assume_agency(
            domain_id=member.domain_id,
            agency_name=member.agency_name,
            duration_seconds=self._settings.agency_session_seconds,
        )
        self._agency_cache.put(member.domain_id, member.agency_name, credentials)

        return credentials

    def evs(self, member: MemberAccount) -> Evs:
        """Return EVS in ``member``'s project of the deployment's region."""
        return Evs(self._member_client(member, EvsClient, EvsRegion, "evs"))

    def cbr(self, member: MemberAccount) -> Cbr:
        """Return CBR in ``member``'s project of the deployment's region."""
        return Cbr(self._member_client(member, CbrClient, CbrRegion, "cbr"))

    def ecs(self, member: MemberAccount) -> Ecs:
        """Return ECS in ``member``'s project of the deployment's region."""
        return Ecs(self._member_client(member, EcsClient, EcsRegion, "ecs"))

    def _member_client(
        self, member: MemberAccount, client_class: Any, region_class: Any, key: str
    ) -> Any:
        project_id = member.project_id(self._settings.region)
        credentials = self.credentials_for(member).basic(project_id)
        client = self._client(client_class, region_class, credentials, key)
        if self._settings.is_broker(member) or not member.agency_name:
            return client
        agency_name = member.agency_name

        return _ForgetOnRefusal(
            client, lambda: self._agency_cache.forget(member.domain_id, agency_name)
        )

    def kms(self) -> Kms:
        """Return KMS in the broker account, with the deployment's key."""
        credentials = self._function_credentials.basic(self._settings.broker_project_id)
        client = self._client(KmsClient, KmsRegion, credentials, "kms")

        return Kms(client, self._settings.kms_key_id)

    def smn(self) -> Smn:
        """Return SMN as the broker account (members' topics admit it by policy)."""
        credentials = self._function_credentials.basic(self._settings.broker_project_id)

        return Smn(self._client(SmnClient, SmnRegion, credentials, "smn"))

    def iam(self) -> Iam:
        """Return IAM as the broker account."""
        credentials = self._function_credentials.global_(
            self._settings.broker_domain_id
        )

        return Iam(self._client(IamClient, IamRegion, credentials, "iam"))

    def _client(
        self, client_class: Any, region_class: Any, credentials: Any, key: str
    ) -> Any:
        return build_client(
            client_class,
            region_class,
            credentials,
            region=self._settings.region,
            endpoint=self._settings.endpoints.get(key),
            timeout_seconds=self._settings.http_timeout_seconds,
        )
