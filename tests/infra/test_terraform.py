"""Infra: the Terraform parses, and it deploys exactly what the code expects.

No cloud is needed: the files are parsed with python-hcl2 and held against the code (the
functions in ``functions/``, the settings they read, the topics they listen to, the routes
they serve) and against the deployment rules this project keeps.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic_core import PydanticUndefined

from evs_transfer.config import ENV_PREFIX, Settings
from localcloud.testing import DEMO_WORLD

from . import hcl

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if p.is_dir())
SECRET_SETTINGS = {"EVS_TRANSFER_STORE_URL"}


@pytest.fixture(scope="module")
def broker() -> dict:
    return hcl.module("broker")


@pytest.fixture(scope="module")
def member() -> dict:
    return hcl.module("member")


@pytest.mark.parametrize("path", hcl.files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_terraform_file_parses(path: Path):
    parsed = hcl.load(path)

    assert parsed


def test_broker_deploys_every_function_with_its_handler(broker):
    functions = broker["resource"]["huaweicloud_fgs_function"]["this"]

    assert FUNCTIONS == sorted(broker["locals"]["functions"])
    assert "index.handler" == functions["handler"]
    assert "${var.runtime}" == functions["runtime"]
    assert "Python3.10" == broker["variable"]["runtime"]["default"]
    assert (
        '${filebase64("${var.package_dir}/${each.key}.zip")}' == functions["func_code"]
    )
    for function in FUNCTIONS:
        assert (ROOT / "functions" / function / "index.py").is_file()


def test_broker_sets_every_required_setting_and_only_settings(broker):
    declared = set(broker["locals"]["settings"]) | set(
        broker["locals"]["secret_settings"]
    )
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    required = {
        ENV_PREFIX + name.upper()
        for name, field in Settings.model_fields.items()
        if field.default is PydanticUndefined and field.default_factory is None
    }

    assert set() == declared - known, "declared but not read by the functions"
    assert set() == required - declared, "read by the functions but not declared"
    assert SECRET_SETTINGS == set(broker["locals"]["secret_settings"])
    assert set() == SECRET_SETTINGS & set(broker["locals"]["settings"])
    function = broker["resource"]["huaweicloud_fgs_function"]["this"]
    assert "${jsonencode(local.secret_settings)}" == function["encrypted_user_data"]


def test_topics_are_wired_to_the_functions_that_serve_them(broker):
    triggers = broker["resource"]["huaweicloud_fgs_function_trigger"]
    settings = broker["locals"]["settings"]

    assert "SMN" == triggers["requests"]["type"]
    assert "create_transfer" in triggers["requests"]["function_urn"]
    assert "huaweicloud_smn_topic.requests" in triggers["requests"]["event_data"]
    assert "accept_transfer" in triggers["approvals"]["function_urn"]
    assert "huaweicloud_smn_topic.approvals" in triggers["approvals"]["event_data"]
    assert "sweep_transfers" in triggers["sweep"]["function_urn"]
    assert "TIMER" == triggers["sweep"]["type"]
    assert "smn_topic.approvals" in settings["EVS_TRANSFER_APPROVALS_TOPIC_URN"]
    assert "smn_topic.requests" in settings["EVS_TRANSFER_REQUESTS_TOPIC_URN"]


def test_every_topic_is_used(broker):
    text = broker["text"]

    for topic in broker["resource"]["huaweicloud_smn_topic"]:
        used = re.search(rf"huaweicloud_smn_topic\.{topic}[.\[]", text)
        assert used is not None, topic


def test_each_topic_admits_only_who_may_speak_there(broker):
    topics = broker["resource"]["huaweicloud_smn_topic"]
    own = topics["member_requests"]

    assert "${local.member_publishers}" == topics["approvals"]["users_publish_allowed"]
    assert "urn:csp:iam::${m.domain_id}:root" in broker["locals"]["member_publishers"]
    assert (
        "urn:csp:iam::${var.broker_domain_id}:root"
        == topics["requests"]["users_publish_allowed"]
    )
    assert "${local.requesters}" == own["for_each"]
    assert "urn:csp:iam::${each.value.domain_id}:root" == own["users_publish_allowed"]
    assert "m.domain_id != var.broker_domain_id" in broker["locals"]["requesters"]


def test_each_member_hears_of_its_own_requests_topic(broker):
    members = broker["locals"]["members"]
    trigger = broker["resource"]["huaweicloud_fgs_function_trigger"]["member_requests"]

    assert "huaweicloud_smn_topic.member_requests[m.name].topic_urn" in members
    assert "${local.requesters}" == trigger["for_each"]
    assert "create_transfer" in trigger["function_urn"]
    assert "member_requests[each.key]" in trigger["event_data"]


def test_failures_of_every_attempt_reach_the_oncall_topic_except_approvals(broker):
    retries = broker["resource"]["huaweicloud_fgs_async_invoke_configuration"][
        "retries"
    ]

    assert '${toset(["create_transfer", "sweep_transfers"])}' == retries["for_each"]
    assert "SMN" == retries["on_failure"][0]["destination"]
    assert "smn_topic.failures" in retries["on_failure"][0]["param"]


def test_http_api_serves_the_routes_of_the_local_deployment(broker):
    world = yaml.safe_load(DEMO_WORLD.read_text(encoding="utf-8"))
    local_routes = {
        (r["method"], r["path"], r["function"], r.get("auth", "NONE"))
        for r in world["apig"]
    }
    # The approval routes take no authentication; the rest the default, IAM.
    routes = {
        (r["method"], r["path"], r["function"], "NONE" if r["page"] else "IAM")
        for r in broker["locals"]["routes"].values()
    }

    assert local_routes == routes


def test_member_role_holds_exactly_what_the_functions_call_there(broker, member):
    role = member["resource"]["huaweicloud_identity_role"]["broker"]

    assert set(broker["locals"]["member_actions"]) <= set(_actions(role["policy"]))
    assert set(_actions(role["policy"])) <= set(broker["locals"]["member_actions"])
    agency = member["resource"]["huaweicloud_identity_agency"]["broker"]
    assert "${var.broker_domain_name}" == agency["delegated_domain_name"]


def test_functions_run_with_an_agency_trusting_functiongraph(broker):
    agency = broker["resource"]["huaweicloud_identity_agency"]["functions"]

    assert "op_svc_cff" == agency["delegated_domain_name"]


@pytest.mark.parametrize("name", ["broker", "member"])
def test_every_variable_and_output_is_described_and_every_variable_used(name):
    module = hcl.module(name)
    used = hcl.references(module["text"], "var")

    for variable, spec in module["variable"].items():
        assert spec.get("description"), f"variable {variable} has no description"
        assert variable in used, f"variable {variable} is declared and never used"
    for output, spec in module["output"].items():
        assert spec.get("description"), f"output {output} has no description"


def test_secrets_and_logs_follow_the_deployment_rules(broker):
    resources = broker["resource"]

    assert resources["huaweicloud_kms_key"]["auth_keys"]["rotation_enabled"] is True
    assert broker["variable"]["store_password"]["sensitive"] is True
    assert resources["huaweicloud_fgs_function"]["this"]["enable_lts_log"] is True
    assert resources["huaweicloud_rds_instance"]["store"]["ssl_enable"] is True


def test_example_tfvars_name_only_declared_variables():
    for example in ("broker", "member"):
        folder = hcl.TERRAFORM / "examples" / example
        declared = set()
        for block in hcl.load(folder / "main.tf").get("variable", []):
            declared |= set(block)
        given = set(hcl.load(folder / "terraform.tfvars"))

        assert given <= declared, example


def test_example_broker_has_two_members_besides_itself():
    tfvars = hcl.load(hcl.TERRAFORM / "examples" / "broker" / "terraform.tfvars")
    members = tfvars["members"]

    assert 3 == len(members)
    assert [None, "evs-transfer-broker", "evs-transfer-broker"] == [
        m.get("agency_name") for m in members
    ]
    assert tfvars["broker_domain_id"] == members[0]["domain_id"]


def _actions(policy: str) -> list[str]:
    # The policy is a jsonencode() expression: its actions are the service:resource:verb
    # strings in it.
    return re.findall(r'"([a-z]+:[A-Za-z]+:[A-Za-z]+)"', policy)
