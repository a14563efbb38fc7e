"""Every channel a secret could leak into, and the secrets localcloud handed out.

The channels are the ones an operator or an attacker could read: what the functions and
localcloud print or log, every SMN delivery, every HTTP response, every database row,
localcloud's call log and the recorded function results and errors. The secrets are every
``auth_key`` EVS issued, every AK/SK and security token IAM issued, and every approval
token an offer carried. Approval tokens may travel on three channels only: the offer to
the target's topic, the target's own approval on its way to the accept-function, and the
approval page, whose form hands the token of the link back to the browser that opened it.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import sqlalchemy as sa

from localcloud.cloud import LocalCloud

B_TOPIC = (
    "urn:smn:cn-north-4:b1000000000000000000000000000001:evs-transfer-notifications"
)
APPROVALS_TOPIC = (
    "urn:smn:cn-north-4:a1000000000000000000000000000001:evs-transfer-approvals"
)


@dataclasses.dataclass
class Tally:
    """What the suite-wide scan covered, printed at the end of the run."""

    tests: int = 0
    secrets: int = 0
    tokens: int = 0
    characters: int = 0
    leaks: list[str] = dataclasses.field(default_factory=list)


TALLY = Tally()


def database_text(url: str) -> str:
    """Return every row of every table of the store at ``url`` as text."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            rows = [
                repr(tuple(row))
                for table in tables
                for row in conn.execute(sa.text(f'SELECT * FROM "{table}"'))  # noqa: S608 - names from the schema
            ]
    finally:
        engine.dispose()

    return "\n".join(rows)


def approval_tokens(cloud: LocalCloud) -> list[str]:
    """Return the approval token of every offer the target was sent, single or batch."""
    tokens = []
    for delivery in cloud.outbox:
        if delivery["topic_urn"] != B_TOPIC or delivery["protocol"] != "https":
            continue
        document = json.loads(delivery["message"])
        if document.get("type") in ("transfer.offered", "batch.offered"):
            tokens.append(str(document["approval"]["token"]))

    return tokens


def channels(
    cloud: LocalCloud, logs: str, responses: str, database: str
) -> dict[str, tuple[str, bool]]:
    """Return each channel's text, and whether approval tokens may appear in it."""
    outbox = cloud.outbox
    intended = [d for d in outbox if d["topic_urn"] in (B_TOPIC, APPROVALS_TOPIC)]
    others = [d for d in outbox if d["topic_urn"] not in (B_TOPIC, APPROVALS_TOPIC)]
    pages = [i.to_dict() for i in cloud.invocations if _is_approval_page(i.event)]
    invocations = [
        i.to_dict() for i in cloud.invocations if not _is_approval_page(i.event)
    ]

    return {
        "logs": (logs, False),
        "responses": (responses, False),
        "database": (database, False),
        "calls": (json.dumps(cloud.calls), False),
        "invocations": (json.dumps(invocations, default=str), False),
        "approval pages": (json.dumps(pages, default=str), True),
        "deliveries to the target and approvals": (json.dumps(intended), True),
        "other deliveries": (json.dumps(others), False),
    }


def _is_approval_page(event: dict[str, Any]) -> bool:
    return event.get("httpMethod") == "GET" and str(event.get("path", "")).endswith(
        "/approval"
    )


def leaks(
    secrets: list[str], tokens: list[str], found: dict[str, tuple[str, bool]]
) -> list[str]:
    """Name each secret found where it must not be (by channel, never by value)."""
    named = []
    for channel, (text, tokens_allowed) in found.items():
        hits = sum(secret in text for secret in secrets)
        if not tokens_allowed:
            hits += sum(token in text for token in tokens)
        if hits:
            named.append(f"{hits} secret(s) in {channel}")

    return named
