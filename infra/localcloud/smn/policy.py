"""Topic access policies (SMN's JSON policy language, ``Version`` 2016-09-07).

Evaluation: an explicit ``Deny`` that matches wins; otherwise a matching ``Allow``
admits. A statement matches when its ``Principal`` names the caller's account root
(``urn:csp:iam::<domainId>:root``) or is ``*``, and one of its ``Action`` patterns
(``SMN:Publish``, ``SMN:*``, ``*``...) matches the action.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable
from typing import Any

from localcloud.smn import errors

POLICY_VERSION = "2016-09-07"
MAX_POLICY_BYTES = 30 * 1024


def root_principal(domain_id: str) -> str:
    """Return the CSP principal naming an account."""
    return f"urn:csp:iam::{domain_id}:root"


def publisher_policy(topic_urn: str, domain_ids: Iterable[str]) -> str:
    """Return a policy text admitting ``domain_ids`` to publish to ``topic_urn``."""
    policy = {
        "Version": POLICY_VERSION,
        "Id": "__default_policy_ID",
        "Statement": [
            {
                "Sid": "__user_pub_0",
                "Effect": "Allow",
                "Principal": {"CSP": [root_principal(d) for d in domain_ids]},
                "Action": ["SMN:Publish", "SMN:QueryTopicDetail"],
                "Resource": topic_urn,
            }
        ],
    }

    return json.dumps(policy)


def parse_policy(text: str) -> dict[str, Any]:
    """Validate a policy text and return it decoded.

    Raises:
        CloudError: 400 SMN.0048 naming what is wrong; 403 SMN.0047 when too long.
    """
    if len(text.encode("utf-8")) > MAX_POLICY_BYTES:
        raise errors.value_too_long()
    try:
        policy = json.loads(text)
    except ValueError:
        raise errors.invalid_access_policy("not JSON") from None
    if not isinstance(policy, dict) or policy.get("Version") != POLICY_VERSION:
        raise errors.invalid_access_policy(f"Version must be {POLICY_VERSION}")
    statements = policy.get("Statement")
    if not isinstance(statements, list) or not all(
        isinstance(s, dict) for s in statements
    ):
        raise errors.invalid_access_policy("Statement must be a list of objects")
    for statement in statements:
        if statement.get("Effect") not in {"Allow", "Deny"}:
            raise errors.invalid_access_policy("Effect must be Allow or Deny")

    return policy


def allows(policy_text: str | None, domain_id: str, action: str) -> bool:
    """Whether the policy admits the account ``domain_id`` to perform ``action``."""
    if not policy_text:
        return False
    policy = parse_policy(policy_text)
    matching = [s for s in policy["Statement"] if _matches(s, domain_id, action)]

    if any(s["Effect"] == "Deny" for s in matching):
        return False

    return any(s["Effect"] == "Allow" for s in matching)


def _matches(statement: dict[str, Any], domain_id: str, action: str) -> bool:
    return _principal_matches(statement.get("Principal"), domain_id) and any(
        fnmatch.fnmatchcase(action.lower(), pattern.lower())
        for pattern in _strings(statement.get("Action"))
    )


def _principal_matches(principal: Any, domain_id: str) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    names = _strings(principal.get("CSP"))

    return "*" in names or root_principal(domain_id) in names


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]

    return []
