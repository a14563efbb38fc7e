"""SMN policy evaluation, world parsing, KMS envelopes and the route table."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pydantic
import pytest

from localcloud import LocalCloud
from localcloud.core.errors import CloudError
from localcloud.kms.models import HEADER_SIZE, KmsBackend
from localcloud.smn import policy
from localcloud.world import load_world, parse_world, substitute

DEMO = (
    Path(__file__).resolve().parents[3]
    / "infra"
    / "localcloud"
    / "worlds"
    / "demo.yaml"
)
A, B = "a" * 32, "b" * 32


def _policy(effect: str, principal: object, actions: list[str]) -> str:
    statement = {
        "Effect": effect,
        "Principal": principal,
        "Action": actions,
        "Resource": "*",
    }
    return json.dumps({"Version": "2016-09-07", "Statement": [statement]})


def test_publisher_policy_admits_listed_domains_only() -> None:
    text = policy.publisher_policy("urn:smn:r:p:t", [A])

    assert (True, False) == (
        policy.allows(text, A, "SMN:Publish"),
        policy.allows(text, B, "SMN:Publish"),
    )


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (["SMN:*"], True),
        (["smn:publish"], True),
        (["SMN:Update*"], False),
        (["*"], True),
    ],
)
def test_policy_actions_match_with_wildcards(
    actions: list[str], expected: bool
) -> None:
    text = _policy("Allow", {"CSP": [policy.root_principal(B)]}, actions)

    assert expected == policy.allows(text, B, "SMN:Publish")


def test_policy_deny_wins_over_allow() -> None:
    allow = json.loads(_policy("Allow", "*", ["SMN:*"]))["Statement"]
    deny = json.loads(
        _policy("Deny", {"CSP": [policy.root_principal(B)]}, ["SMN:Publish"])
    )
    deny["Statement"] += allow

    assert False is policy.allows(json.dumps(deny), B, "SMN:Publish")


def test_policy_with_wrong_version_is_invalid() -> None:
    with pytest.raises(CloudError) as caught:
        policy.parse_policy(json.dumps({"Version": "1", "Statement": []}))

    assert (400, "SMN.0048") == (caught.value.status, caught.value.code)


def test_demo_world_loads_with_fixed_ids() -> None:
    world = load_world(DEMO)

    assert ["broker", "account-b"] == [a.name for a in world.accounts]
    assert ["create_transfer", "accept_transfer", "sweep_transfers"] == [
        f.name for f in world.functions
    ]
    assert 10 == len(world.apig)
    assert ["sweep_transfers"] == [timer.function for timer in world.timers]


def test_world_rejects_unknown_keys() -> None:
    with pytest.raises(pydantic.ValidationError):
        parse_world({"region": "cn-north-4", "acounts": []})


def test_world_rejects_agency_without_trustee() -> None:
    account = {
        "name": "x",
        "domain_id": A,
        "projects": {"cn-north-4": "p"},
        "access_key": "ak",
        "secret_key": "sk",
        "agencies": [{"name": "lonely"}],
    }

    with pytest.raises(
        pydantic.ValidationError, match="trust_domain_id or trust_domain_name"
    ):
        parse_world({"accounts": [account]})


def test_substitute_replaces_known_variables_only() -> None:
    world = load_world(DEMO)

    resolved = substitute(world, {"LOCALCLOUD_URL": "http://h:1"})

    settings = resolved.functions[0].user_data
    assert "http://h:1/apig" == settings["EVS_TRANSFER_API_URL"]
    assert settings["EVS_TRANSFER_STORE_URL"].startswith(
        "sqlite:///${LOCALCLOUD_STATE_DIR}/"
    )


def test_kms_ciphertext_names_its_key_in_124_byte_header() -> None:
    backend = KmsBackend("r")
    key = backend.create_key(domain_id=A, project_id="p", alias="k")

    raw = base64.b64decode(backend.encrypt("p", key.key_id, b"abcd", b""))

    assert key.key_id.encode() == raw[5:41]
    assert HEADER_SIZE + 4 + 16 == len(raw)
    assert (key.key_id, b"abcd") == backend.decrypt(
        "p", base64.b64encode(raw).decode(), b""
    )


def test_every_route_resolves_to_itself() -> None:
    cloud = LocalCloud()
    router = cloud._services._router

    for route in router.routes:
        path = route.template.replace("{project_id}", "p").replace(
            "{topic_urn}", "urn:smn:r:p:t"
        )
        path = path.replace("{", "").replace("}", "")
        matched = router.match(route.method, path)
        assert matched is not None
        assert route.operation == matched[0].operation
    cloud.close()


def test_route_operations_are_unique_and_documented() -> None:
    cloud = LocalCloud()
    routes = cloud._services._router.routes

    operations = [(r.service, r.operation) for r in routes]

    assert len(operations) == len(set(operations))
    assert all((r.handler.__doc__ or "").strip() for r in routes)
    cloud.close()
