"""SMN: publishing notifications with per-protocol message bodies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from huaweicloudsdksmn.v2 import PublishMessageRequest, PublishMessageRequestBody

from evs_transfer.cloud.sdk import call

SERVICE = "smn"
MAX_SUBJECT_BYTES = 512


class Smn:
    """Publish to topics, the broker's own or members' that admit the broker."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def publish(
        self, topic_urn: str, *, subject: str, messages: Mapping[str, str]
    ) -> str:
        """Publish one message; ``messages`` maps SMN protocols to text and needs ``default``.

        Returns:
            The SMN ``message_id``.
        """
        if "default" not in messages:
            raise ValueError("an SMN message structure needs a 'default' entry")
        body = PublishMessageRequestBody(
            subject=_fit_subject(subject),
            message_structure=json.dumps(dict(messages), ensure_ascii=False),
        )
        response = call(
            SERVICE,
            "PublishMessage",
            lambda: self._client.publish_message(
                PublishMessageRequest(topic_urn=topic_urn, body=body)
            ),
        )

        return str(response.message_id)


def _fit_subject(subject: str) -> str:
    encoded = subject.encode()
    if len(encoded) <= MAX_SUBJECT_BYTES:
        return subject

    return encoded[: MAX_SUBJECT_BYTES - 3].decode(errors="ignore") + "..."
