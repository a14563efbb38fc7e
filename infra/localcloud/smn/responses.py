"""SMN request handlers: parse → validate → authorise on the topic → act → answer."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from localcloud.core.context import RequestContext
from localcloud.core.routing import Reply
from localcloud.smn import errors, policy
from localcloud.smn.models import SmnBackend, Subscription, Topic

MAX_SUBJECT_BYTES = 512
MAX_MESSAGE_BYTES = 256 * 1024
MAX_INTRODUCTION_BYTES = 120
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$")
_TOPIC_URN = re.compile(
    r"^urn:smn:[a-z0-9-]+:[0-9a-zA-Z]+:[A-Za-z0-9][A-Za-z0-9_-]{0,254}$"
)
_ENDPOINTS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "sms": re.compile(r"^\+?[0-9]{5,20}$"),
    "http": re.compile(r"^http://\S+$"),
    "https": re.compile(r"^https://\S+$"),
    "functionstage": re.compile(
        r"^urn:fss:[a-z0-9-]+:[0-9a-zA-Z]+:function:[\w-]+:[\w-]+(:[\w.-]+)?$"
    ),
}


class SmnResponses:
    """The SMN operations localcloud answers, bound to one backend."""

    def __init__(self, backend: SmnBackend) -> None:
        self._backend = backend

    def create_topic(self, ctx: RequestContext) -> Reply:
        """CreateTopic. Does not model: enterprise projects, topic quotas."""
        body = ctx.json()
        name = body.get("name")
        if not isinstance(name, str) or not _TOPIC_NAME.match(name):
            raise errors.invalid_topic_name()

        topic = self._backend.create_topic(
            project_id=ctx.project,
            domain_id=ctx.principal.domain_id,
            name=name,
            display_name=str(body.get("display_name") or ""),
        )

        return Reply(200, {"request_id": ctx.request_id, "topic_urn": topic.urn})

    def list_topics(self, ctx: RequestContext) -> Reply:
        """ListTopics (own project's topics). Filters: name, offset, limit."""
        name = ctx.arg("name")
        offset, limit = _paging(ctx)

        topics = [
            t
            for t in self._backend.list_topics(ctx.project)
            if name is None or t.name == name
        ]

        page = [_topic(t) for t in topics[offset : offset + limit]]

        return Reply(
            200,
            {"request_id": ctx.request_id, "topic_count": len(topics), "topics": page},
        )

    def add_subscription(self, ctx: RequestContext) -> Reply:
        """AddSubscription. Does not model: batch ``subscriptions``, ``extension``, filters."""
        body = ctx.json()
        protocol, endpoint = body.get("protocol"), body.get("endpoint")
        if not isinstance(protocol, str) or protocol not in _ENDPOINTS:
            raise errors.invalid_protocol()
        if not isinstance(endpoint, str) or not _ENDPOINTS[protocol].match(endpoint):
            raise errors.invalid_endpoint()
        topic = self._topic(ctx, "SMN:Subscribe")

        subscription = self._backend.add_subscription(
            topic.urn,
            protocol=protocol,
            endpoint=endpoint,
            owner=ctx.project,
            remark=str(body.get("remark") or ""),
        )

        return Reply(
            200, {"request_id": ctx.request_id, "subscription_urn": subscription.urn}
        )

    def list_subscriptions_by_topic(self, ctx: RequestContext) -> Reply:
        """ListSubscriptionsByTopic. Filters: offset, limit; ``fuzzy_remark`` is ignored."""
        topic = self._topic(ctx, "SMN:ListSubscriptionsByTopic")
        offset, limit = _paging(ctx)

        subscriptions = self._backend.list_subscriptions(topic.urn)

        page = [_subscription(s) for s in subscriptions[offset : offset + limit]]

        return Reply(
            200,
            {
                "request_id": ctx.request_id,
                "subscription_count": len(subscriptions),
                "subscriptions": page,
            },
        )

    def update_topic_attribute(self, ctx: RequestContext) -> Reply:
        """UpdateTopicAttribute for ``access_policy`` and ``introduction``."""
        name = ctx.params["name"]
        value = ctx.json().get("value")
        if not isinstance(value, str):
            raise errors.invalid_access_policy("value must be a string")
        _check_attribute(name, value)
        topic = self._topic(ctx, "SMN:UpdateTopicAttribute")

        self._backend.set_attribute(topic.urn, name, value)

        return Reply(200, {"request_id": ctx.request_id})

    def list_topic_attributes(self, ctx: RequestContext) -> Reply:
        """ListTopicAttributes; ``name`` selects one attribute."""
        wanted = ctx.arg("name")
        if wanted is not None and wanted not in {"access_policy", "introduction"}:
            raise errors.invalid_attribute_name()
        topic = self._topic(ctx, "SMN:ListTopicAttributes")

        attributes = {
            key: value
            for key, value in (
                ("access_policy", topic.access_policy),
                ("introduction", topic.introduction),
            )
            if value is not None and wanted in {None, key}
        }

        return Reply(200, {"request_id": ctx.request_id, "attributes": attributes})

    def publish_message(self, ctx: RequestContext) -> Reply:
        """PublishMessage. Does not model: templates, ``message_attributes`` filters, TTL."""
        body = ctx.json()
        subject = body.get("subject") or ""
        if (
            not isinstance(subject, str)
            or len(subject.encode("utf-8")) > MAX_SUBJECT_BYTES
        ):
            raise errors.invalid_subject()
        message_for = _message_selector(body)
        topic = self._topic(ctx, "SMN:Publish")

        message_id = self._backend.publish(
            topic.urn, subject=subject, message_for=message_for
        )

        return Reply(200, {"request_id": ctx.request_id, "message_id": message_id})

    def _topic(self, ctx: RequestContext, action: str) -> Topic:
        urn = ctx.params["topic_urn"]
        if not _TOPIC_URN.match(urn):
            raise errors.invalid_topic_urn()

        return self._backend.topic(
            urn, domain_id=ctx.principal.domain_id, action=action
        )


def _paging(ctx: RequestContext) -> tuple[int, int]:
    try:
        offset, limit = int(ctx.arg("offset") or 0), int(ctx.arg("limit") or 100)
    except ValueError:
        raise errors.invalid_paging() from None
    if offset < 0 or not 1 <= limit <= 100:
        raise errors.invalid_paging()

    return offset, limit


def _check_attribute(name: str, value: str) -> None:
    if name == "access_policy":
        policy.parse_policy(value)
    elif name == "introduction":
        if len(value.encode("utf-8")) > MAX_INTRODUCTION_BYTES:
            raise errors.value_too_long()
    else:
        raise errors.invalid_attribute_name()


def _message_selector(body: dict[str, Any]) -> Callable[[str], str]:
    """Return protocol → text: ``message_structure`` wins over ``message``."""
    structure_text = body.get("message_structure")
    if structure_text is not None:
        structure = _structure(structure_text)
        return lambda protocol: structure.get(protocol, structure["default"])

    message = body.get("message")
    if not isinstance(message, str) or not message or _too_big(message):
        raise errors.invalid_message()

    return lambda _protocol: message


def _structure(text: Any) -> dict[str, str]:
    try:
        structure = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        structure = None
    if not isinstance(structure, dict) or not isinstance(structure.get("default"), str):
        raise errors.invalid_message_structure()
    if not all(isinstance(v, str) for v in structure.values()):
        raise errors.invalid_message_structure()
    if any(_too_big(v) for v in structure.values()):
        raise errors.invalid_message()

    return structure


def _too_big(text: str) -> bool:
    return len(text.encode("utf-8")) > MAX_MESSAGE_BYTES


def _topic(topic: Topic) -> dict[str, Any]:
    return {
        "topic_urn": topic.urn,
        "name": topic.name,
        "display_name": topic.display_name,
        "push_policy": 0,
        "enterprise_project_id": "0",
        "topic_id": topic.topic_id,
        "create_time": topic.create_time,
        "update_time": topic.update_time,
    }


def _subscription(subscription: Subscription) -> dict[str, Any]:
    return {
        "topic_urn": subscription.topic_urn,
        "protocol": subscription.protocol,
        "subscription_urn": subscription.urn,
        "owner": subscription.owner,
        "endpoint": subscription.endpoint,
        "remark": subscription.remark,
        "status": subscription.status,
        "filter_polices": [],
    }
