from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from localcloud.functiongraph.errors import (
    FunctionAlreadyExistsError,
    FunctionNotFoundError,
    HandlerLoadError,
    PayloadTooLargeError,
    UserDataConflictError,
    UserDataError,
)
from localcloud.functiongraph.runtime import FunctionRuntime
from localcloud.functiongraph.specs import FunctionSpec
from tests.unit.localcloud.functiongraph.fgsupport import (
    DOMAIN_ID,
    PROJECT_ID,
    LoadEvent,
    MakeHandler,
    Register,
)

RECORD_KEYS = (
    "function_name",
    "function_urn",
    "request_id",
    "trigger",
    "mode",
    "attempt",
    "status",
    "error",
)
URN_PREFIX = f"urn:fss:ap-southeast-1:{PROJECT_ID}:function:default"


def test_register_returns_latest_urn(register: Register, echo_handler: str) -> None:
    urn = register("echo", echo_handler)

    assert f"{URN_PREFIX}:echo:latest" == urn


@pytest.mark.parametrize(
    "target", ["echo", f"{URN_PREFIX}:echo:latest", f"{URN_PREFIX}:echo"]
)
def test_invoke_by_name_or_urn(
    runtime: FunctionRuntime, register: Register, echo_handler: str, target: str
) -> None:
    register("echo", echo_handler)

    invocation = runtime.invoke(target, {"a": 1}, request_id="req-7")

    assert invocation.status == "ok"
    assert invocation.result == {"event": {"a": 1}, "request_id": "req-7"}


def test_invoke_unknown_function_raises_key_error(runtime: FunctionRuntime) -> None:
    with pytest.raises(KeyError) as caught:
        runtime.invoke("ghost", {})

    assert isinstance(caught.value, FunctionNotFoundError)
    assert str(caught.value) == "Not found the function: ghost"


def test_invoke_ambiguous_name_requires_urn(
    runtime: FunctionRuntime, echo_handler: str
) -> None:
    for project in ("p1", "p2"):
        spec = FunctionSpec(name="echo", account=project, handler=echo_handler)
        runtime.register(spec, domain_id=DOMAIN_ID, project_id=project)

    with pytest.raises(FunctionNotFoundError) as caught:
        runtime.invoke("echo", {})

    expected = "Not found the function: echo (several accounts have it: use the URN)"
    assert expected == str(caught.value)


def test_register_twice_is_refused(register: Register, echo_handler: str) -> None:
    register("echo", echo_handler)

    with pytest.raises(FunctionAlreadyExistsError) as caught:
        register("echo", echo_handler)

    assert f"function {URN_PREFIX}:echo:latest is already registered" == str(
        caught.value
    )


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        ("index", "function 'f': handler 'index' is not 'file.function'"),
        ("index.", "function 'f': handler 'index.' is not 'file.function'"),
        (
            "../outside.handler",
            "function 'f': handler '../outside.handler' points outside the code root",
        ),
    ],
)
def test_register_rejects_bad_handler_string(
    register: Register, handler: str, message: str
) -> None:
    with pytest.raises(HandlerLoadError) as caught:
        register("f", handler)

    assert message == str(caught.value)


def test_register_rejects_missing_file(register: Register, code_root: Path) -> None:
    with pytest.raises(HandlerLoadError) as caught:
        register("f", "functions/none/index.handler")

    expected = (
        f"function 'f': handler file {code_root.resolve()}/functions/none/index.py "
        "not found"
    )
    assert expected == str(caught.value)


def test_register_rejects_missing_attribute(
    register: Register, make_handler: MakeHandler
) -> None:
    make_handler("functions/f/index", "VALUE = 1\n")

    with pytest.raises(HandlerLoadError) as caught:
        register("f", "functions/f/index.main")

    assert str(caught.value) == "function 'f': index.py has no callable 'main'"


def test_register_import_failure_withdraws_environment(
    register: Register, make_handler: MakeHandler
) -> None:
    handler = make_handler("functions/f/index", "raise ImportError('no sdk')\n")

    with pytest.raises(HandlerLoadError, match=r"ImportError: no sdk$"):
        register("f", handler, user_data={"FGTEST_WITHDRAWN": "1"})

    assert "FGTEST_WITHDRAWN" not in os.environ
    assert not [m for m in sys.modules if m.startswith("_localcloud_fn_f_")]


def test_register_exports_user_data_before_import(
    runtime: FunctionRuntime, register: Register, make_handler: MakeHandler
) -> None:
    handler = make_handler(
        "functions/f/index",
        """
        import os
        AT_IMPORT = os.environ["FGTEST_TOPIC"]

        def handler(event, context):
            return AT_IMPORT
        """,
    )

    register("f", handler, user_data={"FGTEST_TOPIC": "urn:smn:topic"})

    assert os.environ["FGTEST_TOPIC"] == "urn:smn:topic"
    assert runtime.invoke("f", {}).result == "urn:smn:topic"


def test_user_data_conflict_is_refused_without_values(
    register: Register, echo_handler: str
) -> None:
    register("one", echo_handler, user_data={"FGTEST_KEY": "secret-a"})

    with pytest.raises(UserDataConflictError) as caught:
        register("two", echo_handler, user_data={"FGTEST_KEY": "secret-b"})

    expected = (
        "functions 'one' and 'two' set environment variable 'FGTEST_KEY' "
        "to different values"
    )
    assert expected == str(caught.value)
    assert os.environ["FGTEST_KEY"] == "secret-a"


def test_user_data_shared_with_same_value_is_accepted(
    runtime: FunctionRuntime, register: Register, echo_handler: str
) -> None:
    register("one", echo_handler, user_data={"FGTEST_REGION": "ap-southeast-1"})
    register("two", echo_handler, user_data={"FGTEST_REGION": "ap-southeast-1"})

    runtime.reset()

    assert "FGTEST_REGION" not in os.environ


def test_reset_restores_previous_environment(
    runtime: FunctionRuntime,
    register: Register,
    echo_handler: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FGTEST_EXISTING", "before")
    register(
        "echo", echo_handler, user_data={"FGTEST_EXISTING": "during", "FGTEST_NEW": "x"}
    )

    runtime.reset()

    assert os.environ["FGTEST_EXISTING"] == "before"
    assert "FGTEST_NEW" not in os.environ
    assert runtime.invocations == []
    with pytest.raises(FunctionNotFoundError):
        runtime.invoke("echo", {})


@pytest.mark.parametrize(
    ("user_data", "message"),
    [
        (
            {"RUNTIME_FOO": "1"},
            "function 'f': 'RUNTIME_FOO' uses the reserved RUNTIME_ prefix",
        ),
        ({"1BAD": "1"}, "function 'f': '1BAD' is not a valid variable name"),
        (
            {"BIG": "x" * 4100},
            "function 'f': user_data is 4110 characters, over the 4096 limit",
        ),
    ],
)
def test_register_rejects_bad_user_data(
    register: Register, echo_handler: str, user_data: dict[str, str], message: str
) -> None:
    with pytest.raises(UserDataError) as caught:
        register("f", echo_handler, user_data=user_data)

    assert message == str(caught.value)


def test_invocation_record_of_success(
    runtime: FunctionRuntime,
    register: Register,
    echo_handler: str,
    load_event: LoadEvent,
) -> None:
    register("echo", echo_handler)
    event = load_event("timer.json")

    invocation = runtime.invoke("echo", event, request_id="req-1")

    data = invocation.to_dict()
    scalars = {key: data[key] for key in RECORD_KEYS}
    assert [invocation] == runtime.invocations
    assert json.loads(json.dumps(data)) == data
    assert {
        "function_name": "echo",
        "function_urn": f"{URN_PREFIX}:echo:latest",
        "request_id": "req-1",
        "trigger": "timer",
        "mode": "sync",
        "attempt": 1,
        "status": "ok",
        "error": None,
    } == scalars
    assert invocation.started_at <= invocation.finished_at
    assert data["duration_ms"] >= 0
    assert "event" not in data
    assert event == invocation.to_dict(include_event=True)["event"]


def test_invocation_error_hides_trace_but_logs_it(
    runtime: FunctionRuntime,
    register: Register,
    failing_handler: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    register("failing", failing_handler)

    invocation = runtime.invoke("failing", {}, request_id="req-err")

    assert invocation.status == "error"
    assert invocation.error == {
        "errorMessage": "transfer exploded",
        "errorType": "RuntimeError",
    }
    assert invocation.result is None
    logged = capsys.readouterr().err
    assert " req-err ERROR Traceback (most recent call last):" in logged
    assert "RuntimeError: transfer exploded" in logged


def test_handler_system_exit_does_not_kill_runtime(
    runtime: FunctionRuntime, register: Register, make_handler: MakeHandler
) -> None:
    handler = make_handler(
        "functions/f/index",
        "import sys\ndef handler(event, context):\n    sys.exit(3)\n",
    )
    register("f", handler)

    invocation = runtime.invoke("f", {})

    assert invocation.error == {"errorMessage": "3", "errorType": "SystemExit"}


def test_non_json_result_is_an_error(
    runtime: FunctionRuntime, register: Register, make_handler: MakeHandler
) -> None:
    handler = make_handler(
        "functions/f/index", "def handler(event, context):\n    return {1, 2}\n"
    )
    register("f", handler)

    invocation = runtime.invoke("f", {})

    assert invocation.status == "error"
    assert invocation.error == {
        "errorMessage": "function result is not JSON serializable: "
        "Object of type set is not JSON serializable",
        "errorType": "TypeError",
    }


def test_handler_gets_a_copy_of_the_event(
    runtime: FunctionRuntime, register: Register, make_handler: MakeHandler
) -> None:
    handler = make_handler(
        "functions/f/index", "def handler(event, context):\n    event['x'].append(2)\n"
    )
    register("f", handler)
    event = {"x": [1]}

    runtime.invoke("f", event)

    assert event == {"x": [1]}


def test_sync_event_over_six_megabytes_is_refused(
    runtime: FunctionRuntime, register: Register, echo_handler: str
) -> None:
    register("echo", echo_handler)

    with pytest.raises(PayloadTooLargeError) as caught:
        runtime.invoke("echo", {"blob": "x" * (6 * 1024 * 1024)})

    assert str(caught.value) == "synchronous event is over the 6291456-byte limit"
    assert runtime.invocations == []


def test_context_exposes_runtime_env_not_os_environ(
    runtime: FunctionRuntime,
    register: Register,
    make_handler: MakeHandler,
    code_root: Path,
) -> None:
    handler = make_handler(
        "functions/f/index",
        """
        import os
        def handler(event, context):
            leaked = sorted(k for k in os.environ if k.startswith("RUNTIME_"))
            return {"env": dict(context.runtime_env), "leaked": leaked}
        """,
    )
    register(
        "f", handler, timeout_seconds=30, memory_mb=512, user_data={"FGTEST_A": "1"}
    )

    result = runtime.invoke("f", {}).result

    assert result["leaked"] == []
    assert {
        "RUNTIME_PROJECT_ID": PROJECT_ID,
        "RUNTIME_FUNC_NAME": "f",
        "RUNTIME_FUNC_VERSION": "latest",
        "RUNTIME_PACKAGE": "default",
        "RUNTIME_HANDLER": "functions/f/index.handler",
        "RUNTIME_TIMEOUT": "30",
        "RUNTIME_USERDATA": '{"FGTEST_A": "1"}',
        "RUNTIME_CPU": "600",
        "RUNTIME_MEMORY": "512",
        "RUNTIME_MAX_RESP_BODY_SIZE": "6291456",
        "RUNTIME_CODE_ROOT": str((code_root / "functions" / "f").resolve()),
    } == result["env"]


def test_max_async_retry_attempts_is_validated(runtime: FunctionRuntime) -> None:
    with pytest.raises(
        ValueError, match=r"^max_async_retry_attempts must be 0-3, got 4$"
    ):
        runtime.max_async_retry_attempts = 4
