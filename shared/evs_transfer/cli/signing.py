"""AK/SK signing of API calls, for an API behind APIG's IAM authentication.

Requests are signed by the Huawei SDK's own signer (SDK-HMAC-SHA256), as every
``huaweicloudsdk*`` client signs its calls. The credentials are the SDK's usual
environment variables, else the profile's; the secret key is never an argument.
"""

from __future__ import annotations

import dataclasses
import os
import urllib.parse
from collections.abc import Mapping

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from pydantic import SecretStr

AK_ENV = "HUAWEICLOUD_SDK_AK"
SK_ENV = "HUAWEICLOUD_SDK_SK"
TOKEN_ENV = "HUAWEICLOUD_SDK_SECURITY_TOKEN"  # noqa: S105 - a variable name, not a value


@dataclasses.dataclass(frozen=True)
class ApiCredentials:
    """An access key pair, with the security token of a temporary one."""

    access_key: str
    secret_key: SecretStr = dataclasses.field(repr=False)
    security_token: SecretStr | None = dataclasses.field(default=None, repr=False)

    @classmethod
    def find(
        cls,
        profile: Mapping[str, str | None],
        environ: Mapping[str, str] = os.environ,
    ) -> ApiCredentials | None:
        """Return the credentials of the environment, else of the profile, else None."""
        for source, names in (
            (environ, (AK_ENV, SK_ENV, TOKEN_ENV)),
            (profile, ("access_key", "secret_key", "security_token")),
        ):
            access_key, secret_key, token = (source.get(name) for name in names)
            if access_key and secret_key:
                return cls(
                    access_key,
                    SecretStr(secret_key),
                    SecretStr(token) if token else None,
                )

        return None

    def sign(
        self,
        method: str,
        url: str,
        query: Mapping[str, str],
        body: bytes,
        content_type: str = "application/json",
    ) -> tuple[str, dict[str, str]]:
        """Return the URL to call and the headers that authenticate the call.

        ``query`` adds to any query ``url`` has; the URL returned carries the whole query
        exactly as it was signed.
        """
        parts = urllib.parse.urlsplit(url)
        query = {**dict(urllib.parse.parse_qsl(parts.query)), **query}
        headers = {"Content-Type": content_type}
        if self.security_token is not None:
            headers["X-Security-Token"] = self.security_token.get_secret_value()
        request = SdkRequest(
            method=method,
            schema=parts.scheme,
            host=parts.netloc,
            resource_path=parts.path,
            query_params=sorted(query.items()),
            header_params=headers,
            body=body,
        )
        credentials = BasicCredentials(
            self.access_key, self.secret_key.get_secret_value()
        )
        signed = Signer(credentials).sign(request)

        return f"{parts.scheme}://{parts.netloc}{signed.uri}", dict(
            signed.header_params
        )
