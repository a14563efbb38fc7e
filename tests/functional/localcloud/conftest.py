"""Fixtures for localcloud driven by the real Huawei SDK clients over HTTP.

The demo world is served with stub function handlers, so these tests do not depend on
the real functions; ``localcloud.testing`` provides the serving fixtures.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from huaweicloudsdkcbr.v1 import CbrClient
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkecs.v2 import EcsClient
from huaweicloudsdkevs.v2 import EvsClient
from huaweicloudsdkiam.v3 import IamClient
from huaweicloudsdkkms.v2 import KmsClient
from huaweicloudsdksmn.v2 import SmnClient

from localcloud import LocalCloud
from localcloud.testing import DEMO_WORLD
from localcloud.world import load_world

STUB_HANDLER = """
import json


def handler(event, context):
    if "httpMethod" not in event:
        return {"handled": context.getFunctionName()}
    body = {
        "function": context.getFunctionName(),
        "path": event["path"],
        "api_url": context.getUserData("EVS_TRANSFER_API_URL"),
        "store_url": context.getUserData("EVS_TRANSFER_STORE_URL"),
    }
    return {
        "statusCode": 200,
        "isBase64Encoded": False,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
"""

_CLIENTS: dict[str, Any] = {
    "evs": EvsClient,
    "kms": KmsClient,
    "smn": SmnClient,
    "cbr": CbrClient,
    "ecs": EcsClient,
}


@pytest.fixture(scope="session")
def stub_code_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("code")
    for name in (function.name for function in load_world(DEMO_WORLD).functions):
        folder = root / "functions" / name
        folder.mkdir(parents=True)
        (folder / "index.py").write_text(STUB_HANDLER, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def stub_cloud_server(stub_code_root: Path) -> Iterator[LocalCloud]:
    """A served cloud whose functions are stubs (a separate session server from the
    plugin's, so that its code root never leaks into other test folders)."""
    cloud = LocalCloud(code_root=stub_code_root)
    with cloud.serve():
        yield cloud
    cloud.close()


@pytest.fixture
def localcloud(
    stub_cloud_server: LocalCloud, localcloud_world_file: Path
) -> Iterator[LocalCloud]:
    """Overrides the plugin's fixture: the demo world, with stub functions."""
    stub_cloud_server.seed(load_world(localcloud_world_file))
    yield stub_cloud_server
    stub_cloud_server.wait_idle()
    stub_cloud_server.reset()


ClientFactory = Callable[..., Any]


@pytest.fixture
def client(localcloud: LocalCloud) -> ClientFactory:
    """Build a real SDK client for a service as an account (optionally with other keys)."""

    def build(
        service: str,
        account: str = "broker",
        *,
        ak: str | None = None,
        sk: str | None = None,
        token: str | None = None,
        project_id: str | None = None,
        config: HttpConfig | None = None,
    ) -> Any:
        info = localcloud.account(account)
        access, secret = ak or info.access_key, sk or info.secret_key
        if service == "iam":
            credentials: Any = GlobalCredentials(access, secret, info.domain_id)
            cls: Any = IamClient
        else:
            credentials = BasicCredentials(
                access, secret, project_id or info.project_id
            )
            cls = _CLIENTS[service]
        if token is not None:
            credentials = credentials.with_security_token(token)
        assert localcloud.url is not None
        builder = (
            cls.new_builder()
            .with_credentials(credentials)
            .with_endpoints([localcloud.url])
        )
        if config is not None:
            builder = builder.with_http_config(config)
        return builder.build()

    return build


def http_call(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, bytes]:
    """Plain HTTP to localcloud (admin API, gateway); returns status, headers, body."""
    request = urllib.request.Request(  # noqa: S310 - http only
        url, data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status), response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()
