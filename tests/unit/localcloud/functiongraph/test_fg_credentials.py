from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from localcloud.functiongraph.credentials import AgencyCredentialCache
from localcloud.functiongraph.runtime import FunctionRuntime
from localcloud.functiongraph.specs import FunctionSpec, TemporaryCredentials
from tests.unit.localcloud.functiongraph.fgsupport import (
    DOMAIN_ID,
    PROJECT_ID,
    FakeIssuer,
    MakeHandler,
    Register,
)

CREDENTIAL_HANDLER = """
def handler(event, context):
    context.getLogger().info(repr(context))
    context.getLogger().info(str(context))
    return [
        context.getSecurityAccessKey(),
        context.getSecuritySecretKey(),
        context.getSecurityToken(),
    ]
"""


@pytest.fixture
def credential_handler(make_handler: MakeHandler) -> str:
    return make_handler("functions/creds/index", CREDENTIAL_HANDLER)


def test_agency_credentials_are_cached_across_invocations(
    runtime: FunctionRuntime,
    register: Register,
    issuer: FakeIssuer,
    credential_handler: str,
) -> None:
    register("creds", credential_handler, agency="fgs_agency")

    first = runtime.invoke("creds", {}).result
    second = runtime.invoke("creds", {}).result

    assert first == ["AKTEMP0001", "SKSECRET0001", "TOKEN0001"]
    assert first == second
    assert issuer.calls == [(DOMAIN_ID, "fgs_agency")]


def test_agency_credentials_are_renewed_before_expiry(
    runtime: FunctionRuntime,
    register: Register,
    issuer: FakeIssuer,
    credential_handler: str,
) -> None:
    issuer.lifetime = dt.timedelta(minutes=4)  # inside the 5-minute refresh margin
    register("creds", credential_handler, agency="fgs_agency")

    first = runtime.invoke("creds", {}).result
    second = runtime.invoke("creds", {}).result

    assert first[0] == "AKTEMP0001"
    assert second == ["AKTEMP0002", "SKSECRET0002", "TOKEN0002"]
    assert len(issuer.calls) == 2


def test_function_without_agency_gets_empty_credentials_and_no_issue(
    runtime: FunctionRuntime,
    register: Register,
    issuer: FakeIssuer,
    credential_handler: str,
) -> None:
    register("creds", credential_handler)

    result = runtime.invoke("creds", {}).result

    assert result == ["", "", ""]
    assert issuer.calls == []


def test_agency_credentials_are_per_domain(
    runtime: FunctionRuntime, issuer: FakeIssuer, credential_handler: str
) -> None:
    for project, domain in (("p1", "domain-a"), ("p2", "domain-b")):
        spec = FunctionSpec(
            name="creds",
            account=project,
            handler=credential_handler,
            agency="fgs_agency",
        )
        runtime.register(spec, domain_id=domain, project_id=project)

    for project in ("p1", "p2"):
        runtime.invoke(f"urn:fss:ap-southeast-1:{project}:function:default:creds", {})

    assert issuer.calls == [("domain-a", "fgs_agency"), ("domain-b", "fgs_agency")]


def test_context_repr_in_logs_never_shows_credentials(
    runtime: FunctionRuntime,
    register: Register,
    credential_handler: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    register("creds", credential_handler, agency="fgs_agency")

    invocation = runtime.invoke("creds", {}, request_id="req-repr")

    logged = capsys.readouterr().err
    assert "FunctionContext(function_name='creds', request_id='req-repr'" in logged
    for secret in invocation.result:
        assert secret not in logged


def test_issuer_failure_is_a_handler_error_not_a_crash(
    code_root: Path, make_handler: MakeHandler, credential_handler: str
) -> None:
    class BrokenIssuer:
        def issue_agency_credentials(
            self, domain_id: str, agency_name: str
        ) -> TemporaryCredentials:
            raise LookupError(f"agency {agency_name} not found in {domain_id}")

    fg = FunctionRuntime(
        region="ap-southeast-1",
        credentials=BrokenIssuer(),
        code_root=code_root,
    )
    spec = FunctionSpec(
        name="creds", account="a", handler=credential_handler, agency="missing"
    )
    fg.register(spec, domain_id=DOMAIN_ID, project_id=PROJECT_ID)

    invocation = fg.invoke("creds", {})
    fg.close()

    assert (invocation.error) == {
        "errorMessage": f"agency missing not found in {DOMAIN_ID}",
        "errorType": "LookupError",
    }


def test_cache_repr_shows_no_material(issuer: FakeIssuer) -> None:
    cache = AgencyCredentialCache(issuer)
    issued = cache.get(DOMAIN_ID, "fgs_agency")

    text = repr(cache)

    assert text == "AgencyCredentialCache(entries=1)"
    assert issued.access not in text


def test_cache_treats_naive_expiry_as_utc() -> None:
    now = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.timezone.utc)

    class NaiveIssuer(FakeIssuer):
        def issue_agency_credentials(
            self, domain_id: str, agency_name: str
        ) -> TemporaryCredentials:
            creds = super().issue_agency_credentials(domain_id, agency_name)
            naive = dt.datetime(2030, 1, 1, 13)  # noqa: DTZ001 - naive on purpose
            return dataclasses.replace(creds, expires_at=naive)

    issuer = NaiveIssuer()
    cache = AgencyCredentialCache(issuer, clock=lambda: now)

    cache.get("d", "a")
    cache.get("d", "a")

    assert len(issuer.calls) == 1
