from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from localcloud.functiongraph.context import FunctionContext, FunctionLogger
from localcloud.functiongraph.specs import TemporaryCredentials

CREDS = TemporaryCredentials(
    access="AKSECRETACCESS",
    secret="SKVERYSECRET",
    security_token="TOKENVERYSECRET",
    expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc),
)


def make_context(
    *, credentials: TemporaryCredentials | None = CREDS, timeout_seconds: int = 60
) -> tuple[FunctionContext, list[int]]:
    calls: list[int] = []

    def supply() -> TemporaryCredentials | None:
        calls.append(1)
        return credentials

    context = FunctionContext(
        request_id="req-1",
        function_name="create_transfer",
        package="default",
        project_id="proj-1",
        timeout_seconds=timeout_seconds,
        memory_mb=256,
        user_data={"TRANSFER_TOPIC": "urn:smn:x"},
        credentials=supply,
        runtime_env={"RUNTIME_FUNC_NAME": "create_transfer"},
    )
    return context, calls


def test_context_static_getters_report_function_configuration() -> None:
    context, _ = make_context()

    values = {
        "request_id": context.getRequestID(),
        "name": context.getFunctionName(),
        "version": context.getVersion(),
        "package": context.getPackage(),
        "memory": context.getMemorySize(),
        "cpu": context.getCPUNumber(),
        "timeout": context.getRunningTimeInSeconds(),
        "project": context.getProjectID(),
        "alias": context.getAlias(),
    }

    assert values == {
        "request_id": "req-1",
        "name": "create_transfer",
        "version": "latest",
        "package": "default",
        "memory": 256,
        "cpu": 400,
        "timeout": 60,
        "project": "proj-1",
        "alias": "",
    }


def test_context_security_credentials_come_from_supplier_once() -> None:
    context, calls = make_context()

    triple = (
        context.getSecurityAccessKey(),
        context.getSecuritySecretKey(),
        context.getSecurityToken(),
    )

    assert triple == ("AKSECRETACCESS", "SKVERYSECRET", "TOKENVERYSECRET")
    assert len(calls) == 1


def test_context_without_agency_returns_empty_credentials() -> None:
    context, _ = make_context(credentials=None)

    triple = (
        context.getSecurityAccessKey(),
        context.getSecuritySecretKey(),
        context.getSecurityToken(),
    )

    assert triple == ("", "", "")


def test_context_deprecated_key_getters_return_empty_strings() -> None:
    context, calls = make_context()

    values = (context.getAccessKey(), context.getSecretKey(), context.getToken())

    assert values == ("", "", "")
    assert calls == []


def test_context_user_data_with_and_without_default() -> None:
    context, _ = make_context()

    assert context.getUserData("TRANSFER_TOPIC") == "urn:smn:x"
    assert context.getUserData("MISSING") is None
    assert context.getUserData("MISSING", "fallback") == "fallback"


def test_context_remaining_time_counts_down_from_timeout() -> None:
    context, _ = make_context(timeout_seconds=3)

    first = context.getRemainingTimeInMilliSeconds()
    time.sleep(0.02)
    second = context.getRemainingTimeInMilliSeconds()

    assert 2900 < first <= 3000
    assert second < first


def test_context_runtime_env_is_read_only() -> None:
    context, _ = make_context()

    with pytest.raises(TypeError):
        context.runtime_env["RUNTIME_FUNC_NAME"] = "other"  # type: ignore[index]

    assert context.runtime_env["RUNTIME_FUNC_NAME"] == "create_transfer"


@pytest.mark.parametrize("render", [repr, str])
def test_context_repr_hides_credentials_after_use(render: object) -> None:
    context, _ = make_context()
    context.getSecurityToken()

    text = render(context)  # type: ignore[operator]

    assert (
        "FunctionContext(function_name='create_transfer', request_id='req-1', " in text
    )
    for secret in (CREDS.access, CREDS.secret, CREDS.security_token):
        assert secret not in text


def test_logger_prints_time_request_id_level_and_message(
    capsys: pytest.CaptureFixture[str],
) -> None:
    context, _ = make_context()

    context.getLogger().info("transfer.started")

    line = capsys.readouterr().err
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT[\d:.]+\+00:00 req-1 INFO transfer.started\n", line
    )


def test_logger_levels_and_threshold(capsys: pytest.CaptureFixture[str]) -> None:
    logger = FunctionLogger("req-2")

    logger.debug("d")
    logger.warning("w1")
    logger.setLevel("warning")
    logger.info("hidden")
    logger.warning("w2")
    logger.error("e")

    levels = [line.split()[2:] for line in capsys.readouterr().err.splitlines()]
    assert levels == [["DEBUG", "d"], ["WARN", "w1"], ["WARN", "w2"], ["ERROR", "e"]]


def test_logger_rejects_unknown_level() -> None:
    with pytest.raises(ValueError, match="unknown log level 'LOUD'"):
        FunctionLogger("r").setLevel("LOUD")
