"""SMN routes (``huaweicloudsdksmn`` v2); ``{topic_urn}`` arrives percent-encoded."""

from __future__ import annotations

from localcloud.core.routing import Route
from localcloud.smn.responses import SmnResponses

_TOPICS = "/v2/{project_id}/notifications/topics"
_TOPIC = _TOPICS + "/{topic_urn}"


def smn_routes(responses: SmnResponses) -> list[Route]:
    """Return the SMN route table bound to ``responses``."""
    r = responses

    return [
        Route("POST", _TOPICS, "smn", "create_topic", r.create_topic),
        Route("GET", _TOPICS, "smn", "list_topics", r.list_topics),
        Route("POST", _TOPIC + "/publish", "smn", "publish_message", r.publish_message),
        Route(
            "POST",
            _TOPIC + "/subscriptions",
            "smn",
            "add_subscription",
            r.add_subscription,
        ),
        Route(
            "GET",
            _TOPIC + "/subscriptions",
            "smn",
            "list_subscriptions_by_topic",
            r.list_subscriptions_by_topic,
        ),
        Route(
            "GET",
            _TOPIC + "/attributes",
            "smn",
            "list_topic_attributes",
            r.list_topic_attributes,
        ),
        Route(
            "PUT",
            _TOPIC + "/attributes/{name}",
            "smn",
            "update_topic_attribute",
            r.update_topic_attribute,
        ),
    ]
