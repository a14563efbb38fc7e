from __future__ import annotations

from pathlib import Path

import pytest

from localcloud.functiongraph.errors import FunctionNotFoundError, PayloadTooLargeError
from localcloud.functiongraph.runtime import FunctionRuntime
from localcloud.functiongraph.specs import FunctionSpec
from tests.unit.localcloud.functiongraph.fgsupport import (
    REGION,
    FakeIssuer,
    MakeHandler,
    Register,
)

# Fails until its call count reaches the event's succeed_on; sleeps first when asked.
FLAKY_HANDLER = """
import time

def handler(event, context):
    time.sleep(event.get("sleep", 0))
    ATTEMPTS.append(context.getRequestID())
    if len(ATTEMPTS) < event.get("succeed_on", 99):
        raise ConnectionError("EVS unavailable")
    return "done"

ATTEMPTS = []
"""


@pytest.fixture
def flaky(register: Register, make_handler: MakeHandler) -> str:
    return register("flaky", make_handler("functions/flaky/index", FLAKY_HANDLER))


def attempts(runtime: FunctionRuntime) -> list[tuple[int, str]]:
    return [(i.attempt, i.status) for i in runtime.invocations]


def test_async_failure_is_retried_once_by_default(
    runtime: FunctionRuntime, flaky: str
) -> None:
    runtime.invoke_async(flaky, {})

    idle = runtime.wait_idle(5)

    assert idle is True
    assert attempts(runtime) == [(1, "error"), (2, "error")]
    first, second = runtime.invocations
    assert first.request_id == second.request_id
    assert first.mode == "async"
    assert (second.error) == {
        "errorMessage": "EVS unavailable",
        "errorType": "ConnectionError",
    }


def test_async_retry_stops_at_first_success(
    runtime: FunctionRuntime, flaky: str
) -> None:
    runtime.invoke_async(flaky, {"succeed_on": 2})

    runtime.wait_idle(5)

    assert attempts(runtime) == [(1, "error"), (2, "ok")]
    assert runtime.invocations[-1].result == "done"


@pytest.mark.parametrize(("retries", "runs"), [(0, 1), (3, 4)])
def test_async_retry_count_is_configurable(
    issuer: FakeIssuer,
    code_root: Path,
    make_handler: MakeHandler,
    retries: int,
    runs: int,
) -> None:
    fg = FunctionRuntime(
        region=REGION,
        credentials=issuer,
        code_root=code_root,
        max_async_retry_attempts=retries,
    )
    handler = make_handler("functions/flaky/index", FLAKY_HANDLER)
    urn = fg.register(
        FunctionSpec(name="flaky", account="a", handler=handler),
        domain_id="d",
        project_id="p",
    )

    fg.invoke_async(urn, {})
    fg.wait_idle(5)
    runs_seen = [i.attempt for i in fg.invocations]
    fg.close()

    assert list(range(1, runs + 1)) == runs_seen


def test_async_success_is_not_retried(
    runtime: FunctionRuntime, register: Register, echo_handler: str
) -> None:
    urn = register("echo", echo_handler)

    runtime.invoke_async(urn, {"n": 1})
    runtime.wait_idle(5)

    assert attempts(runtime) == [(1, "ok")]


def test_wait_idle_times_out_while_work_is_running(
    runtime: FunctionRuntime, flaky: str
) -> None:
    runtime.invoke_async(flaky, {"sleep": 0.3, "succeed_on": 1})

    busy = runtime.wait_idle(0.01)
    idle = runtime.wait_idle(5)

    assert busy is False
    assert idle is True
    assert attempts(runtime) == [(1, "ok")]


def test_wait_idle_is_immediate_without_work(runtime: FunctionRuntime) -> None:
    assert runtime.wait_idle(0) is True


def test_many_async_invocations_all_complete(
    runtime: FunctionRuntime, register: Register, echo_handler: str
) -> None:
    urn = register("echo", echo_handler)

    for n in range(20):
        runtime.invoke_async(urn, {"n": n})
    runtime.wait_idle(10)

    delivered = sorted(i.result["event"]["n"] for i in runtime.invocations)
    assert list(range(20)) == delivered


def test_reset_drops_queued_async_work(
    issuer: FakeIssuer, code_root: Path, make_handler: MakeHandler
) -> None:
    fg = FunctionRuntime(
        region=REGION, credentials=issuer, code_root=code_root, async_workers=1
    )
    handler = make_handler("functions/flaky/index", FLAKY_HANDLER)
    urn = fg.register(
        FunctionSpec(name="flaky", account="a", handler=handler),
        domain_id="d",
        project_id="p",
    )
    for _ in range(3):
        fg.invoke_async(urn, {"sleep": 0.1, "succeed_on": 1})

    fg.reset()
    idle = fg.wait_idle(5)
    recorded = fg.invocations
    fg.close()

    assert idle is True
    assert recorded == []


def test_invoke_async_unknown_urn_raises_key_error(runtime: FunctionRuntime) -> None:
    urn = f"urn:fss:{REGION}:p:function:default:ghost:latest"

    with pytest.raises(KeyError) as caught:
        runtime.invoke_async(urn, {})

    assert isinstance(caught.value, FunctionNotFoundError)
    assert f"Not found the function: {urn}" == str(caught.value)


def test_invoke_async_event_over_256_kilobytes_is_refused(
    runtime: FunctionRuntime, flaky: str
) -> None:
    with pytest.raises(PayloadTooLargeError) as caught:
        runtime.invoke_async(flaky, {"blob": "x" * (256 * 1024)})

    assert str(caught.value) == "asynchronous event is over the 262144-byte limit"
    assert runtime.wait_idle(0) is True


def test_async_result_over_256_kilobytes_becomes_empty(
    runtime: FunctionRuntime, register: Register, make_handler: MakeHandler
) -> None:
    handler = make_handler(
        "functions/big/index", "def handler(event, context):\n    return 'x' * 300000\n"
    )
    urn = register("big", handler)

    runtime.invoke_async(urn, {})
    runtime.wait_idle(5)

    assert attempts(runtime) == [(1, "ok")]
    assert runtime.invocations[0].result is None


def test_async_failure_of_every_attempt_goes_to_the_failure_destination(
    runtime: FunctionRuntime, register: Register, make_handler: MakeHandler
) -> None:
    sent: list[tuple[str, dict]] = []
    runtime.failure_sink = lambda urn, record: sent.append((urn, record))
    handler = make_handler("functions/flaky/index", FLAKY_HANDLER)
    topic = "urn:smn:cn-north-4:" + "a" * 32 + ":failures"
    urn = register("flaky", handler, on_failure_topic_urn=topic)

    runtime.invoke_async(urn, {"job": "x"})
    runtime.wait_idle(5)

    ((destination, record),) = sent
    assert topic == destination
    assert 2 == record["request_context"]["approximate_invoke_count"]
    assert "ConnectionError" == record["request_context"]["condition"]
    assert "EVS unavailable" == record["response_context"]["function_error"]
    assert '{"job": "x"}' == record["request_payload"]


def test_async_success_after_a_retry_sends_nothing_to_the_destination(
    runtime: FunctionRuntime, register: Register, make_handler: MakeHandler
) -> None:
    sent: list[tuple[str, dict]] = []
    runtime.failure_sink = lambda urn, record: sent.append((urn, record))
    handler = make_handler("functions/flaky/index", FLAKY_HANDLER)
    urn = register("flaky", handler, on_failure_topic_urn="urn:smn:r:p:failures")

    runtime.invoke_async(urn, {"succeed_on": 2})
    runtime.wait_idle(5)

    assert [] == sent
