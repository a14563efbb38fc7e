"""SMN topics, subscriptions, policies and publishing, through the real SDK."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdksmn.v2 import (
    AddSubscriptionRequest,
    AddSubscriptionRequestBody,
    CreateTopicRequest,
    CreateTopicRequestBody,
    ListSubscriptionsByTopicRequest,
    ListTopicAttributesRequest,
    ListTopicsRequest,
    PublishMessageRequest,
    PublishMessageRequestBody,
    UpdateTopicAttributeRequest,
    UpdateTopicAttributeRequestBody,
)

from localcloud import LocalCloud
from tests.functional.localcloud.conftest import ClientFactory
from tests.functional.localcloud.demo_ids import (
    APPROVALS_URN,
    B_PROJECT,
    NOTIFY_A_URN,
    NOTIFY_B_URN,
)


def _publish(smn: Any, topic_urn: str, **body: Any) -> Any:
    request = PublishMessageRequest(
        topic_urn=topic_urn, body=PublishMessageRequestBody(**body)
    )
    return smn.publish_message(request)


def _error(
    caught: pytest.ExceptionInfo[ClientRequestException],
) -> tuple[int, str, str]:
    return caught.value.status_code, caught.value.error_code, caught.value.error_msg


def test_publish_to_own_topic_delivers_email_to_outbox(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    published = _publish(
        client("smn"), NOTIFY_A_URN, subject="Disk moved", message="héllo"
    )

    deliveries = [d for d in localcloud.outbox if d["type"] == "Notification"]
    assert re.fullmatch(r"[0-9a-f]{32}", published.message_id)
    assert [
        ("email", "ops-a@example.com", "Disk moved", "héllo", published.message_id)
    ] == [
        (d["protocol"], d["endpoint"], d["subject"], d["message"], d["message_id"])
        for d in deliveries
    ]


def test_cross_account_publish_allowed_by_topic_policy(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    published = _publish(client("smn", "account-b"), APPROVALS_URN, message="{}")

    assert [APPROVALS_URN] == [
        d["topic_urn"]
        for d in localcloud.outbox
        if d["message_id"] == published.message_id
    ]


def test_cross_account_publish_without_policy_is_refused(client: ClientFactory) -> None:
    with pytest.raises(ClientRequestException) as caught:
        _publish(client("smn", "account-b"), NOTIFY_A_URN, message="hi")

    assert (
        403,
        "SMN.00308",
        "Policy doesn't allow SMN:Publish to be performed.",
    ) == _error(caught)


def test_publish_to_unknown_topic_is_not_found(client: ClientFactory) -> None:
    with pytest.raises(ClientRequestException) as caught:
        _publish(client("smn"), NOTIFY_A_URN + "-missing", message="hi")

    assert (404, "SMN.0006", "Topic not found.") == _error(caught)


def test_message_structure_without_default_is_refused(client: ClientFactory) -> None:
    structure = json.dumps({"email": "only email"})

    with pytest.raises(ClientRequestException) as caught:
        _publish(client("smn"), NOTIFY_A_URN, message_structure=structure)

    assert (400, "SMN.0021", "MessageStructure is invalid.") == _error(caught)


def test_message_structure_picks_protocol_text(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    structure = json.dumps({"default": "plain", "email": "for email"})

    _publish(client("smn"), NOTIFY_A_URN, subject="s", message_structure=structure)

    assert ["for email"] == [
        d["message"] for d in localcloud.outbox if d["type"] == "Notification"
    ]


def test_subject_over_512_bytes_is_refused(client: ClientFactory) -> None:
    with pytest.raises(ClientRequestException) as caught:
        _publish(client("smn"), NOTIFY_A_URN, subject="é" * 257, message="hi")

    assert (403, "SMN.0008", "Parameter: Subject is invalid.") == _error(caught)


def test_message_over_256_kb_is_refused(client: ClientFactory) -> None:
    with pytest.raises(ClientRequestException) as caught:
        _publish(client("smn"), NOTIFY_A_URN, message="x" * (256 * 1024 + 1))

    assert (403, "SMN.0009", "Parameter: Message is invalid.") == _error(caught)


def test_email_subscription_waits_for_confirmation(
    localcloud: LocalCloud, client: ClientFactory
) -> None:
    smn = client("smn")
    body = AddSubscriptionRequestBody(
        protocol="email", endpoint="new@example.com", remark="r"
    )

    added = smn.add_subscription(
        AddSubscriptionRequest(topic_urn=NOTIFY_A_URN, body=body)
    )
    _publish(smn, NOTIFY_A_URN, message="before confirmation")

    listed = smn.list_subscriptions_by_topic(
        ListSubscriptionsByTopicRequest(topic_urn=NOTIFY_A_URN)
    )
    status = {s.endpoint: s.status for s in listed.subscriptions}
    to_new = [
        d["type"] for d in localcloud.outbox if d["endpoint"] == "new@example.com"
    ]
    assert added.subscription_urn.startswith(NOTIFY_A_URN + ":")
    assert {"ops-a@example.com": 1, "new@example.com": 0} == status
    assert ["SubscriptionConfirmation"] == to_new


def test_update_topic_policy_admits_another_account(client: ClientFactory) -> None:
    smn_a, smn_b = client("smn"), client("smn", "account-b")
    policy = {
        "Version": "2016-09-07",
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "pub",
                "Effect": "Allow",
                "Principal": {
                    "CSP": ["urn:csp:iam::b0000000000000000000000000000001:root"]
                },
                "Action": ["SMN:Pub*"],
                "Resource": NOTIFY_A_URN,
            }
        ],
    }
    body = UpdateTopicAttributeRequestBody(value=json.dumps(policy))

    smn_a.update_topic_attribute(
        UpdateTopicAttributeRequest(
            topic_urn=NOTIFY_A_URN, name="access_policy", body=body
        )
    )
    published = _publish(smn_b, NOTIFY_A_URN, message="now allowed")
    attributes = smn_a.list_topic_attributes(
        ListTopicAttributesRequest(topic_urn=NOTIFY_A_URN, name="access_policy")
    )

    assert re.fullmatch(r"[0-9a-f]{32}", published.message_id)
    assert policy == json.loads(attributes.attributes.access_policy)


def test_update_topic_policy_with_bad_version_is_refused(client: ClientFactory) -> None:
    body = UpdateTopicAttributeRequestBody(
        value=json.dumps({"Version": "2012-10-17", "Statement": []})
    )

    with pytest.raises(ClientRequestException) as caught:
        client("smn").update_topic_attribute(
            UpdateTopicAttributeRequest(
                topic_urn=NOTIFY_A_URN, name="access_policy", body=body
            )
        )

    assert (
        400,
        "SMN.0048",
        "Access policy is invalid: Version must be 2016-09-07.",
    ) == _error(caught)


def test_create_topic_then_list_topics(client: ClientFactory) -> None:
    smn = client("smn", "account-b")

    created = smn.create_topic(
        CreateTopicRequest(body=CreateTopicRequestBody(name="extra", display_name="X"))
    )
    listed = smn.list_topics(ListTopicsRequest())

    assert f"urn:smn:cn-north-4:{B_PROJECT}:extra" == created.topic_urn
    assert [NOTIFY_B_URN, created.topic_urn] == [t.topic_urn for t in listed.topics]
    assert 2 == listed.topic_count
