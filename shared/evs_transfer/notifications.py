"""What each party is told, as SMN message structures.

People read the ``email`` text; systems subscribed over ``http(s)`` or as a function get JSON
with the same facts. Only the offer to the target account carries the approval token: that
notification is the one channel through which the target learns it. The ``auth_key`` is never
part of any notification.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from pydantic import SecretStr

from evs_transfer.config import Settings
from evs_transfer.models import Notice, NoticeKind, TransferRecord

Rendered = tuple[str, dict[str, str]]
"""A notice's subject, and its message per SMN protocol."""

JSON_PROTOCOLS = ("http", "https", "functionstage", "functiongraph")


def offer(
    record: TransferRecord, token: SecretStr, settings: Settings
) -> tuple[str, dict[str, str]]:
    """Return the subject and messages offering the disk to the target account."""
    size = (
        f"{record.volume_size_gb} GB"
        if record.volume_size_gb is not None
        else "size unknown"
    )
    subject = (
        f"EVS disk offered to {record.target_account}: {record.volume_name or record.volume_id}"
        f" ({size}) from {record.source_account}"
    )
    url = approval_url(settings, f"/transfers/{record.id}/approval")
    approval = {
        "transfer_id": record.id,
        "decision": "approve",
        "token": token.get_secret_value(),
    }
    lines = [
        f"Account {record.source_account} offers your account {record.target_account} an EVS disk.",
        "",
        f"  Disk:        {record.volume_name or '(no name)'} ({record.volume_id})",
        f"  Size, type:  {size}, {record.volume_type or 'type unknown'}",
        f"  Region:      {record.region}",
        f"  Requested by {quoted(record.requester)}",
        f"  Reason:      {quoted(record.reason) if record.reason else '(none given)'}",
        f"  Transfer:    {record.id}",
        f"  Expires at:  {record.expires_at:%Y-%m-%d %H:%M} UTC",
        *page_lines(page_url(url, token), "the offer"),
        "",
        "To approve, publish this JSON with your account's credentials to the topic",
        f"{settings.approvals_topic_urn}:",
        "",
        f"  {json.dumps(approval)}",
        "",
        'To refuse the disk, send the same message with "decision": "reject" and a "reason".',
        *http_lines(url),
        "",
        "The token is valid for this transfer only, until the offer expires.",
        "Do not forward this message.",
    ]
    document = {
        "type": "transfer.offered",
        "transfer": _facts(record),
        "approval": {
            "token": token.get_secret_value(),
            "approvals_topic_urn": settings.approvals_topic_urn,
            "url": url,
            "page_url": page_url(url, token),
        },
    }

    return subject, messages("\n".join(lines), document)


def accepted(record: TransferRecord) -> tuple[str, dict[str, str]]:
    """Return the subject and messages telling both accounts the disk has moved."""
    subject = (
        f"EVS disk {record.volume_name or record.volume_id} moved from "
        f"{record.source_account} to {record.target_account}"
    )
    lines = [
        f"The EVS disk {record.volume_name or '(no name)'} ({record.volume_id}) now belongs",
        f"to account {record.target_account}, project {record.target_project_id}.",
        f"Transfer {record.id}, requested by {quoted(record.requester)}, is complete.",
    ]

    return subject, _notice("accepted", record, lines)


def rejected(record: TransferRecord, reason: str) -> tuple[str, dict[str, str]]:
    """Return the subject and messages telling the source that the target refused."""
    disk = record.volume_name or record.volume_id
    subject = f"EVS disk {disk} refused by {record.target_account}"
    lines = [
        (
            f"Account {record.target_account} refused the EVS disk "
            f"{record.volume_name or '(no name)'} ({record.volume_id})."
        ),
        f"Reason: {quoted(reason) if reason else '(none given)'}",
        "The disk is available again in your account.",
        f"Transfer: {record.id}",
    ]

    return subject, _notice("rejected", record, lines, reason=reason)


def refused(record: TransferRecord) -> tuple[str, dict[str, str]]:
    """Return the subject and messages telling the requester why a request was refused."""
    disk = record.volume_name or record.volume_id
    subject = f"EVS disk {disk} cannot be transferred to {record.target_account}"
    reasons = [
        f"  - {finding['code']}: {finding['message']}. Fix: {finding['fix']}"
        for finding in record.findings
    ]
    lines = [
        f"The request of {quoted(record.requester)} to transfer disk {disk}",
        f"({record.volume_id})",
        f"to account {record.target_account} was refused:",
        "",
        *reasons,
        "",
        f"Request: {record.id}",
    ]

    return subject, _notice("refused", record, lines)


def cancelled(record: TransferRecord, reason: str) -> tuple[str, dict[str, str]]:
    """Return the subject and messages telling the target the offer was taken back."""
    disk = record.volume_name or record.volume_id
    subject = f"EVS disk {disk} offer cancelled by {record.source_account}"
    lines = [
        f"Account {record.source_account} cancelled its offer of the EVS disk",
        f"{record.volume_name or '(no name)'} ({record.volume_id}) to your account.",
        f"Reason: {quoted(reason) if reason else '(none given)'}",
        "The approval token of this offer no longer works; nothing is left to do.",
        f"Transfer: {record.id}",
    ]

    return subject, _notice("cancelled", record, lines, reason=reason)


def expired(record: TransferRecord) -> tuple[str, dict[str, str]]:
    """Return the subject and messages telling both sides an offer ran out."""
    disk = record.volume_name or record.volume_id
    subject = f"EVS disk {disk} offer to {record.target_account} expired"
    lines = [
        f"Nobody decided on the offer of the EVS disk {disk} ({record.volume_id})",
        f"from {record.source_account} to {record.target_account} before",
        f"{record.expires_at:%Y-%m-%d %H:%M} UTC. The offer is closed and the disk",
        f"stays with {record.source_account}; ask for a new transfer to try again.",
        f"Transfer: {record.id}",
    ]

    return subject, _notice("expired", record, lines)


def failed(record: TransferRecord, reason: str) -> tuple[str, dict[str, str]]:
    """Return the subject and messages telling both sides a transfer cannot complete."""
    disk = record.volume_name or record.volume_id
    subject = f"EVS disk {disk} transfer to {record.target_account} failed"
    lines = [
        f"The transfer of the EVS disk {disk} ({record.volume_id}) from",
        f"{record.source_account} to {record.target_account} cannot complete.",
        f"Reason: {quoted(reason) if reason else '(none given)'}",
        "The broker has closed it; ask for a new transfer once the cause is fixed.",
        f"Transfer: {record.id}",
    ]

    return subject, _notice("failed", record, lines, reason=reason)


def approval_failed(record: TransferRecord, reason: str) -> tuple[str, dict[str, str]]:
    """Return the subject and messages asking the target to send its approval again."""
    disk = record.volume_name or record.volume_id
    subject = f"EVS disk {disk}: your approval could not be carried out yet"
    lines = [
        f"Your approval of the EVS disk {disk} ({record.volume_id}) from",
        f"{record.source_account} reached the broker, but could not be carried out:",
        f"  {quoted(reason)}",
        "Nothing has changed. The offer stays open until",
        f"{record.expires_at:%Y-%m-%d %H:%M} UTC: send the same approval again.",
        f"Transfer: {record.id}",
    ]

    return subject, _notice("approval_failed", record, lines, reason=reason)


def locked(record: TransferRecord, attempts: int) -> tuple[str, dict[str, str]]:
    """Return the subject and messages telling the source that guessing locked a transfer."""
    disk = record.volume_name or record.volume_id
    subject = f"EVS disk {disk}: transfer locked after {attempts} wrong approval tokens"
    lines = [
        f"The offer of the EVS disk {disk} ({record.volume_id}) to",
        f"{record.target_account} received {attempts} approvals with a wrong token, so",
        "the broker closed it: someone may be guessing. The disk stays with your",
        "account. Check with the target's operators before you ask again.",
        f"Transfer: {record.id}",
    ]

    return subject, _notice("locked", record, lines, failed_approvals=attempts)


def render(
    notice: Notice,
    record: TransferRecord,
    settings: Settings,
    token: SecretStr | None = None,
) -> tuple[str, dict[str, str]]:
    """Return the subject and messages of a queued notice about ``record``.

    Raises:
        ValueError: An offer without its approval token (only the offer carries one).
    """
    if notice.kind is NoticeKind.OFFERED:
        if token is None:
            raise ValueError("an offer needs its approval token")
        return offer(record, token, settings)

    return _RENDERERS[notice.kind](record, notice)


_RENDERERS: dict[NoticeKind, Callable[[TransferRecord, Notice], Rendered]] = {
    NoticeKind.ACCEPTED: lambda record, _: accepted(record),
    NoticeKind.REJECTED: lambda record, notice: rejected(record, notice.reason),
    NoticeKind.CANCELLED: lambda record, notice: cancelled(record, notice.reason),
    NoticeKind.EXPIRED: lambda record, _: expired(record),
    NoticeKind.FAILED: lambda record, notice: failed(record, notice.reason),
    NoticeKind.REFUSED: lambda record, _: refused(record),
    NoticeKind.APPROVAL_FAILED: lambda record, notice: approval_failed(
        record, notice.reason
    ),
    NoticeKind.LOCKED: lambda record, _: locked(record, record.failed_approvals),
}


def quoted(text: str, limit: int = 300) -> str:
    """Return caller-supplied text as one quoted line, safe to place in a message.

    Requesters and reasons come from whoever calls the API; flattening them to a single,
    clearly quoted, bounded line keeps them from passing as the broker's own instructions.
    """
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if len(flat) > limit:
        flat = flat[: limit - 3] + "..."

    return json.dumps(flat, ensure_ascii=False)


def _facts(record: TransferRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in record.public_view().items()
        if key not in ("evs_transfer_id", "kms_key_id")
    }


def approval_url(settings: Settings, path: str) -> str | None:
    """Return the API's URL of an approval path, or None when no API URL is set."""
    if not settings.api_url:
        return None

    return f"{settings.api_url.rstrip('/')}{path}"


def page_url(url: str | None, token: SecretStr) -> str | None:
    """Return the approval page's link: the approval URL with the token in its query."""
    if url is None:
        return None

    return f"{url}?{urllib.parse.urlencode({'token': token.get_secret_value()})}"


def page_lines(link: str | None, what: str) -> list[str]:
    """Return the lines that invite a person to decide in the browser."""
    if link is None:
        return []

    return [
        "",
        f"Review {what} and decide in your browser (opening the page changes nothing):",
        f"  {link}",
    ]


def http_lines(url: str | None) -> list[str]:
    """Return the lines that say how to decide over HTTP."""
    if url is None:
        return []

    return [
        "",
        "Or over HTTP: POST the JSON body",
        '  {"decision": "approve", "token": "<the token above>"}',
        f"to {url}",
    ]


def _notice(
    kind: str, record: TransferRecord, lines: list[str], **extra: Any
) -> dict[str, str]:
    """Return the messages of a notice: the lines as text, the facts as JSON."""
    document = {"type": f"transfer.{kind}", "transfer": _facts(record), **extra}

    return messages("\n".join(lines), document)


def messages(text: str, document: dict[str, Any]) -> dict[str, str]:
    """Return the SMN message structure: the text for people, the JSON for systems."""
    rendered = json.dumps(document, sort_keys=True)
    messages = {"default": text, "email": text}
    messages.update(dict.fromkeys(JSON_PROTOCOLS, rendered))

    return messages
