"""Functional: thousands of generated events, valid and broken, into each function.

Events are built the way FunctionGraph builds them (localcloud's event builders), with
generated bodies, messages, headers and queries, plus shapes no trigger sends. Each goes
through localcloud's FunctionGraph runtime into the real handler. Whatever comes in, a
handler answers: APIG callers get a 2xx, or a 4xx with the stable error shape, never a
5xx and never a traceback; SMN and TIMER deliveries are answered without raising.
"""

from __future__ import annotations

import base64
import collections
import json
import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from localcloud.functiongraph.events import apig_event, smn_event, timer_event
from tests import reports

from .conftest import APPROVALS_TOPIC, DISK_1, DISK_2, REQUESTS_TOPIC, Stack

EXAMPLES = 5000
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TRANSFER_IDS = st.sampled_from(["0" * 32, "f" * 32, "x", "../..", "a" * 300, ""])
VOLUME_IDS = st.sampled_from(
    [
        DISK_1,
        str(uuid.UUID(int=7)),
        "not-a-uuid",
        "",
        "10000000-0000-4000-8000-00000000000",
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def field(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value that is mostly of the right kind, sometimes anything at all."""
    return st.one_of(valid, valid, valid, JSON_VALUES)


REQUEST_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "volume_id": field(VOLUME_IDS),
        "source_account": field(st.sampled_from(["account-a", "account-b", "zz"])),
        "target_account": field(st.sampled_from(["account-b", "account-a", "zz"])),
        "requester": field(st.text(min_size=1, max_size=30)),
        "reason": field(st.text(max_size=60)),
        "name": field(st.text(max_size=80)),
        "ttl_seconds": field(st.integers(min_value=-5, max_value=10**9)),
        "client_token": field(st.from_regex(r"[A-Za-z0-9_.:-]{6,70}", fullmatch=True)),
        "dry_run": field(st.just(True)),
        "extra": JSON_VALUES,
    },
)
DECISION_BODIES = st.fixed_dictionaries(
    {},
    optional={
        "transfer_id": field(TRANSFER_IDS),
        "decision": field(st.sampled_from(["approve", "reject", "maybe"])),
        "token": field(st.text(min_size=10, max_size=140)),
        "reason": field(st.text(max_size=60)),
        "approver": field(st.text(max_size=40)),
        "source_account": field(st.sampled_from(["account-a", "account-b"])),
        "requester": field(st.text(max_size=30)),
        "action": field(st.sampled_from(["cancel", "request", "other"])),
    },
)
BODIES = st.one_of(
    REQUEST_BODIES.map(json.dumps),
    DECISION_BODIES.map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
)
PATHS = st.one_of(
    st.just("/transfers"),
    TRANSFER_IDS.map(lambda i: f"/transfers/{i}"),
    TRANSFER_IDS.map(lambda i: f"/transfers/{i}/approval"),
    TRANSFER_IDS.map(lambda i: f"/transfers/{i}/cancel"),
    st.text(max_size=40).map(lambda t: "/" + t),
)
HEADERS = st.dictionaries(
    st.sampled_from(["content-type", "accept", "x-client-token", "cookie"]),
    st.sampled_from(
        [
            "application/json",
            "text/html",
            "application/x-www-form-urlencoded",
            "*/*",
            "",
        ]
    ),
    max_size=3,
)
QUERIES = st.dictionaries(
    st.sampled_from(["state", "volume_id", "target", "limit", "token", "source", "x"]),
    st.text(max_size=50),
    max_size=3,
)


@st.composite
def apig_events(draw: st.DrawFn) -> dict[str, Any]:
    body = draw(BODIES).encode("utf-8", "surrogatepass")
    event = apig_event(
        method=draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"])),
        path=draw(PATHS),
        headers=draw(HEADERS),
        query=draw(QUERIES),
        path_parameters={},
        body=body,
        base64_body=draw(st.booleans()),
        request_id=uuid.uuid4().hex,
    )
    if draw(st.integers(0, 9)) == 0:  # a body that says Base64 and is not
        event["isBase64Encoded"] = True
        event["body"] = draw(st.text(max_size=30))

    return event


@st.composite
def smn_events(draw: st.DrawFn) -> dict[str, Any]:
    event = smn_event(
        topic_urn=draw(st.sampled_from([REQUESTS_TOPIC, APPROVALS_TOPIC, "urn:smn:x"])),
        message=draw(BODIES),
        subject=draw(st.text(max_size=20)),
        message_id=uuid.uuid4().hex,
        subscription_urn="urn:smn:cn-north-4:p:topic:sub",
        region="cn-north-4",
    )
    if draw(st.integers(0, 9)) == 0:
        event["record"] = draw(JSON_VALUES)

    return event


@st.composite
def timer_events(draw: st.DrawFn) -> dict[str, Any]:
    event = timer_event(trigger_name="sweep", user_event=draw(st.text(max_size=30)))
    if draw(st.integers(0, 4)) == 0:
        event[draw(st.sampled_from(["trigger_name", "trigger_type", "time"]))] = draw(
            JSON_VALUES
        )

    return event


VALID_REQUESTS = st.fixed_dictionaries(
    {
        "volume_id": st.sampled_from([DISK_1, DISK_2, str(uuid.UUID(int=7))]),
        "source_account": st.just("account-a"),
        "target_account": st.sampled_from(["account-b", "account-a"]),
        "requester": st.text(min_size=1, max_size=30).filter(str.strip),
    },
    optional={
        "reason": st.text(max_size=60),
        "name": st.text(max_size=70),
        "ttl_seconds": st.integers(min_value=300, max_value=86400),
        "dry_run": st.booleans(),
    },
)
VALID_DECISIONS = st.fixed_dictionaries(
    {
        "transfer_id": TRANSFER_IDS,
        "decision": st.sampled_from(["approve", "reject"]),
        "token": st.from_regex(r"[A-Za-z0-9_-]{43}", fullmatch=True),
    }
)


@st.composite
def well_formed_events(draw: st.DrawFn) -> dict[str, Any]:
    """Events a real caller sends: complete requests, decisions and reads."""
    kind = draw(st.sampled_from(["create", "read", "list", "decide", "smn"]))
    path, method, body, query = "/transfers", "POST", b"", {}
    if kind == "create":
        body = json.dumps(draw(VALID_REQUESTS)).encode()
    elif kind == "read":
        path, method = f"/transfers/{draw(TRANSFER_IDS)}", "GET"
    elif kind == "list":
        method = "GET"
        query = {"state": draw(st.sampled_from(["pending_approval", "refused"]))}
    elif kind == "decide":
        decision = draw(VALID_DECISIONS)
        path = f"/transfers/{decision.pop('transfer_id')}/approval"
        body = json.dumps(decision).encode()
    else:
        document = draw(st.one_of(VALID_REQUESTS, VALID_DECISIONS))
        topic = APPROVALS_TOPIC if "decision" in document else REQUESTS_TOPIC
        return smn_event(
            topic_urn=topic,
            message=json.dumps(document),
            subject="fuzz",
            message_id=uuid.uuid4().hex,
            subscription_urn="urn:smn:cn-north-4:p:topic:sub",
            region="cn-north-4",
        )

    return apig_event(
        method=method,
        path=path,
        headers={"content-type": "application/json"},
        query=query,
        path_parameters={},
        body=body,
        request_id=uuid.uuid4().hex,
    )


ANY_EVENT = st.one_of(
    apig_events(),
    well_formed_events(),
    smn_events(),
    timer_events(),
    st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=5),
)


def answer_of(stack: Stack, function: str, event: dict[str, Any]) -> str:
    """Invoke ``function`` with ``event``; check the answer; return its outcome's name."""
    invocation = stack.cloud.runtime.invoke(function, event)
    assert invocation.ok, invocation.error
    result = invocation.result
    if isinstance(result, dict) and "statusCode" in result:
        status = result["statusCode"]
        body = result["body"]
        assert status < 500, body
        assert "Traceback" not in body
        if status >= 400 and result["headers"]["Content-Type"] == "application/json":
            error = json.loads(body)
            assert isinstance(error["error"]["code"], str)
            assert isinstance(error["error"]["message"], str)
            assert error["request_id"]
        return f"apig {status}"
    assert "Traceback" not in json.dumps(result, default=str)
    errors = [r.get("error", {}).get("code") for r in result.get("results", [])]

    return (
        f"{'smn' if 'results' in result else 'other'} {sorted(set(map(str, errors)))}"
    )


def fuzz(stack: Stack, function: str) -> collections.Counter[str]:
    outcomes: collections.Counter[str] = collections.Counter()

    @FUZZ
    @given(event=ANY_EVENT)
    def check(event: dict[str, Any]) -> None:
        outcomes[answer_of(stack, function, event)] += 1

    check()
    counts = ", ".join(f"{name} {n}" for name, n in sorted(outcomes.items()))
    reports.LINES.append(
        f"fuzzed {function}: {sum(outcomes.values())} events ({counts})"
    )

    return outcomes


def test_create_function_answers_every_event(stack: Stack):
    outcomes = fuzz(stack, "create_transfer")

    assert EXAMPLES <= sum(outcomes.values())
    assert outcomes["apig 400"] > 0
    assert any(key.startswith("apig 2") for key in outcomes)


def test_accept_function_answers_every_event(stack: Stack):
    outcomes = fuzz(stack, "accept_transfer")

    assert EXAMPLES <= sum(outcomes.values())
    assert outcomes["apig 400"] > 0


def test_sweep_function_answers_every_event(stack: Stack):
    outcomes = fuzz(stack, "sweep_transfers")

    assert EXAMPLES <= sum(outcomes.values())


def test_base64_bodies_are_decoded_like_plain_ones(stack: Stack):
    body = json.dumps(
        {
            "volume_id": DISK_1,
            "source_account": "account-a",
            "target_account": "account-b",
            "requester": "r",
            "dry_run": True,
        }
    )
    plain = apig_event(
        method="POST",
        path="/transfers",
        headers={},
        query={},
        path_parameters={},
        body=body.encode(),
        base64_body=False,
        request_id="r1",
    )
    encoded = dict(
        plain, body=base64.b64encode(body.encode()).decode(), isBase64Encoded=True
    )

    answers = [
        stack.cloud.runtime.invoke("create_transfer", e).result
        for e in (plain, encoded)
    ]

    assert [200, 200] == [a["statusCode"] for a in answers]
