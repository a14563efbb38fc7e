"""In-memory SMN state: topics, subscriptions and the outbox of deliveries.

Email and HTTP(S) deliveries are recorded in the outbox instead of being sent;
``functionstage`` deliveries invoke the subscribed function asynchronously with the
FunctionGraph SMN event, and are recorded in the outbox as well.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from localcloud.functiongraph.events import smn_event
from localcloud.functiongraph.specs import FunctionInvoker
from localcloud.smn import errors, policy

logger = logging.getLogger("localcloud.smn")

UNCONFIRMED = 0
CONFIRMED = 1
CONFIRMED_ON_CREATION = frozenset({"functionstage", "functiongraph", "sms"})


def _iso_now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclasses.dataclass
class Topic:
    """A topic of one project."""

    urn: str
    name: str
    project_id: str
    domain_id: str
    display_name: str = ""
    topic_id: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    access_policy: str | None = None
    introduction: str | None = None
    create_time: str = dataclasses.field(default_factory=_iso_now)
    update_time: str = dataclasses.field(default_factory=_iso_now)


@dataclasses.dataclass
class Subscription:
    """A subscription of an endpoint to a topic."""

    urn: str
    topic_urn: str
    protocol: str
    endpoint: str
    owner: str
    remark: str = ""
    status: int = UNCONFIRMED


@dataclasses.dataclass(frozen=True)
class Delivery:
    """One message SMN handed to an endpoint (or would have, for email/HTTP)."""

    delivery_id: str
    type: str
    topic_urn: str
    protocol: str
    endpoint: str
    subject: str
    message: str
    message_id: str
    subscription_urn: str
    time: str
    status: str = "delivered"

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-safe dict."""
        return dataclasses.asdict(self)


class SmnBackend:
    """Thread-safe SMN state of every project in one region.

    Args:
        region: Region of the topics (part of their URNs).
        invoker: Delivers to ``functionstage`` endpoints; ``None`` records them as failed.
    """

    def __init__(self, region: str, invoker: FunctionInvoker | None = None) -> None:
        self.region = region
        self.invoker = invoker
        self._lock = threading.Lock()
        self._topics: dict[str, Topic] = {}
        self._subscriptions: dict[str, Subscription] = {}
        self._outbox: list[Delivery] = []

    def reset(self) -> None:
        """Forget topics, subscriptions and the outbox."""
        with self._lock:
            self._topics.clear()
            self._subscriptions.clear()
            self._outbox.clear()

    def create_topic(
        self, *, project_id: str, domain_id: str, name: str, display_name: str = ""
    ) -> Topic:
        """Create a topic; an existing name answers the existing topic, like SMN."""
        urn = f"urn:smn:{self.region}:{project_id}:{name}"
        with self._lock:
            topic = self._topics.get(urn)
            if topic is None:
                topic = Topic(urn, name, project_id, domain_id, display_name)
                self._topics[urn] = topic

            return dataclasses.replace(topic)

    def list_topics(self, project_id: str) -> list[Topic]:
        """Return the project's topics, oldest first."""
        with self._lock:
            return [
                dataclasses.replace(t)
                for t in self._topics.values()
                if t.project_id == project_id
            ]

    def topic(self, urn: str, *, domain_id: str, action: str) -> Topic:
        """Return a topic the caller's account may perform ``action`` on.

        Raises:
            CloudError: 404 SMN.0006 unknown topic; 403 SMN.00308 when not admitted.
        """
        with self._lock:
            topic = self._topics.get(urn)
            if topic is None:
                raise errors.topic_not_found()
            topic = dataclasses.replace(topic)
        if topic.domain_id != domain_id and not policy.allows(
            topic.access_policy, domain_id, action
        ):
            raise errors.policy_denied(action)

        return topic

    def set_attribute(self, urn: str, name: str, value: str | None) -> None:
        """Set (or with ``None`` remove) ``access_policy`` or ``introduction``."""
        with self._lock:
            topic = self._topics[urn]
            setattr(topic, name, value)
            topic.update_time = _iso_now()

    def add_subscription(
        self,
        topic_urn: str,
        *,
        protocol: str,
        endpoint: str,
        owner: str,
        remark: str = "",
        confirmed: bool | None = None,
    ) -> Subscription:
        """Subscribe an endpoint; email/HTTP(S) wait for confirmation unless told otherwise."""
        confirm_now = (
            protocol in CONFIRMED_ON_CREATION if confirmed is None else confirmed
        )
        with self._lock:
            existing = next(
                (
                    s
                    for s in self._subscriptions.values()
                    if (s.topic_urn, s.protocol, s.endpoint)
                    == (topic_urn, protocol, endpoint)
                ),
                None,
            )
            if existing is not None:
                return dataclasses.replace(existing)
            subscription = Subscription(
                urn=f"{topic_urn}:{uuid.uuid4().hex}",
                topic_urn=topic_urn,
                protocol=protocol,
                endpoint=endpoint,
                owner=owner,
                remark=remark,
                status=CONFIRMED if confirm_now else UNCONFIRMED,
            )
            self._subscriptions[subscription.urn] = subscription
            if not confirm_now:
                self._outbox.append(_confirmation(subscription))

            return dataclasses.replace(subscription)

    def list_subscriptions(self, topic_urn: str) -> list[Subscription]:
        """Return a topic's subscriptions, oldest first."""
        with self._lock:
            return [
                dataclasses.replace(s)
                for s in self._subscriptions.values()
                if s.topic_urn == topic_urn
            ]

    def confirm(self, subscription_urn: str) -> Subscription:
        """Confirm a subscription (what clicking the email link does)."""
        with self._lock:
            subscription = self._subscriptions.get(subscription_urn)
            if subscription is None:
                raise errors.subscription_not_found()
            subscription.status = CONFIRMED

            return dataclasses.replace(subscription)

    def publish(
        self, topic_urn: str, *, subject: str, message_for: Callable[[str], str]
    ) -> str:
        """Deliver a message to every confirmed subscription; return its message id."""
        message_id = uuid.uuid4().hex
        with self._lock:
            targets = [
                dataclasses.replace(s)
                for s in self._subscriptions.values()
                if s.topic_urn == topic_urn and s.status == CONFIRMED
            ]

        for subscription in targets:
            text = message_for(subscription.protocol)
            status = self._deliver(subscription, subject, text, message_id)
            delivery = Delivery(
                delivery_id=uuid.uuid4().hex,
                type="Notification",
                topic_urn=topic_urn,
                protocol=subscription.protocol,
                endpoint=subscription.endpoint,
                subject=subject,
                message=text,
                message_id=message_id,
                subscription_urn=subscription.urn,
                time=_iso_now(),
                status=status,
            )
            with self._lock:
                self._outbox.append(delivery)

        return message_id

    def _deliver(
        self, subscription: Subscription, subject: str, text: str, message_id: str
    ) -> str:
        if subscription.protocol != "functionstage":
            return "delivered"
        if self.invoker is None:
            logger.warning(
                "localcloud.smn.no_runtime subscription=%s", subscription.urn
            )
            return "failed"

        event = smn_event(
            topic_urn=subscription.topic_urn,
            message=text,
            subject=subject,
            message_id=message_id,
            subscription_urn=subscription.endpoint,
            region=self.region,
        )
        try:
            self.invoker.invoke_async(subscription.endpoint, event)
        except (KeyError, ValueError) as exc:
            # Unknown function (KeyError) or an event over the async limit (ValueError):
            # SMN would drop the message after retries; the outbox shows the failure.
            logger.warning(
                "localcloud.smn.delivery_failed endpoint=%s error=%s",
                subscription.endpoint,
                type(exc).__name__,
            )
            return "failed"

        return "delivered"

    def outbox(
        self, filters: Mapping[str, str | None] | None = None
    ) -> list[dict[str, Any]]:
        """Return deliveries matching every given filter (e.g. ``protocol``), oldest first."""
        wanted = {k: v for k, v in (filters or {}).items() if v is not None}
        with self._lock:
            records = [d.to_dict() for d in self._outbox]

        return [r for r in records if all(r.get(k) == v for k, v in wanted.items())]

    def clear_outbox(self) -> int:
        """Forget every delivery; return how many there were."""
        with self._lock:
            count = len(self._outbox)
            self._outbox.clear()

            return count


def _confirmation(subscription: Subscription) -> Delivery:
    link = f"/_localcloud/smn/subscriptions/{subscription.urn}/confirm"
    text = (
        f"You are invited to subscribe to topic {subscription.topic_urn}. "
        f"To confirm, POST {link} on localcloud."
    )

    return Delivery(
        delivery_id=uuid.uuid4().hex,
        type="SubscriptionConfirmation",
        topic_urn=subscription.topic_urn,
        protocol=subscription.protocol,
        endpoint=subscription.endpoint,
        subject="SMN subscription confirmation",
        message=text,
        message_id=uuid.uuid4().hex,
        subscription_urn=subscription.urn,
        time=_iso_now(),
    )
