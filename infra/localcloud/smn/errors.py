"""SMN answers, with the codes and texts of Huawei's SMN error table.

Codes marked "localcloud" are not documented by Huawei for the case; they keep the
documented SMN shape so that callers can still branch on them.
"""

from __future__ import annotations

from localcloud.core.errors import CloudError


def topic_not_found() -> CloudError:
    """404 SMN.0006."""
    return CloudError(404, "SMN.0006", "Topic not found.")


def invalid_topic_urn() -> CloudError:
    """400 SMN.0005."""
    return CloudError(400, "SMN.0005", "Parameter: TopicUrn is invalid.")


def invalid_topic_name() -> CloudError:
    """400 SMN.0010 (localcloud) for a topic name outside Huawei's pattern."""
    return CloudError(400, "SMN.0010", "Parameter: Topic name is invalid.")


def invalid_protocol() -> CloudError:
    """400 SMN.0011."""
    return CloudError(400, "SMN.0011", "Parameter: Protocol is invalid.")


def invalid_endpoint() -> CloudError:
    """400 SMN.0012."""
    return CloudError(400, "SMN.0012", "Parameter: Endpoint is invalid.")


def invalid_subject() -> CloudError:
    """403 SMN.0008 (Huawei answers 403 for this validation)."""
    return CloudError(403, "SMN.0008", "Parameter: Subject is invalid.")


def invalid_message() -> CloudError:
    """403 SMN.0009 (Huawei answers 403 for this validation)."""
    return CloudError(403, "SMN.0009", "Parameter: Message is invalid.")


def invalid_message_structure() -> CloudError:
    """400 SMN.0021."""
    return CloudError(400, "SMN.0021", "MessageStructure is invalid.")


def invalid_attribute_name() -> CloudError:
    """400 SMN.0046."""
    return CloudError(400, "SMN.0046", "Parameter: Attribute name is invalid.")


def invalid_access_policy(reason: str) -> CloudError:
    """400 SMN.0048 for a topic policy that cannot be parsed or evaluated."""
    return CloudError(400, "SMN.0048", f"Access policy is invalid: {reason}.")


def value_too_long() -> CloudError:
    """403 SMN.0047."""
    return CloudError(403, "SMN.0047", "Parameter: Value exceeds the maximum length.")


def policy_denied(action: str) -> CloudError:
    """403 SMN.00308 for a caller the topic policy does not admit."""
    return CloudError(
        403, "SMN.00308", f"Policy doesn't allow {action} to be performed."
    )


def subscription_not_found() -> CloudError:
    """404 SMN.0024 (localcloud) for an unknown subscription URN."""
    return CloudError(404, "SMN.0024", "Subscription not found.")


def invalid_paging() -> CloudError:
    """400 SMN.0002 (localcloud) for an offset or limit that is not a valid number."""
    return CloudError(400, "SMN.0002", "Parameter: offset or limit is invalid.")
