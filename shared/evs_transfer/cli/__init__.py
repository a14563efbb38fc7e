"""``evs-transfer``: offer, follow and decide EVS disk transfers from a terminal.

It talks to a broker's HTTP API (``--url``, ``EVS_TRANSFER_API_URL`` or the profile file
``~/.config/evs-transfer/profile.toml``), deployed or local (``evs-transfer local up``).
Secrets are never arguments: an approval token comes from a prompt, a file or standard
input. Exit codes are listed in :mod:`evs_transfer.cli.exits`.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from evs_transfer.cli import exits
from evs_transfer.cli.batches import Seconds, batch_app, parse_tag, request_batch
from evs_transfer.cli.bulk import Verdict, request_each
from evs_transfer.cli.common import (
    Output,
    TokenFile,
    Url,
    client_for,
    command,
    err,
    out,
    read_token,
    table,
    whole,
    write_secret,
)
from evs_transfer.cli.profile import load_profile

app = typer.Typer(
    help="Offer, follow and decide EVS disk transfers between Huawei Cloud accounts.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
local_app = typer.Typer(help="Run the broker locally, on localcloud.")
app.add_typer(local_app, name="local")
app.add_typer(batch_app, name="batch")


def main() -> None:
    """Entry point of the ``evs-transfer`` command."""
    app()


@app.command()
@command
def request(  # noqa: PLR0913, PLR0917 - one parameter per command-line option
    volumes: Annotated[
        list[str] | None, typer.Argument(help="Disk ids.", show_default=False)
    ] = None,
    to: Annotated[str, typer.Option("--to", help="Target member account.")] = "",
    source: Annotated[
        str | None, typer.Option("--from", help="Source member account.")
    ] = None,
    volumes_file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="File of disk ids, one per line.", show_default=False
        ),
    ] = None,
    tag: Annotated[
        str | None,
        typer.Option(
            help="Every disk of the source carrying this tag: team=data.",
            show_default=False,
        ),
    ] = None,
    reason: Annotated[str, typer.Option(help="Why the disks move.")] = "",
    ttl: Annotated[
        str | None, typer.Option(help="How long the offer stays open: 90m, 24h, 3d.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every rule; create nothing.")
    ] = False,
    separately: Annotated[
        bool,
        typer.Option(
            "--separately",
            help="One request, offer and token per disk instead of one batch.",
        ),
    ] = False,
    concurrency: Annotated[
        int, typer.Option(min=1, max=32, help="Requests in flight with --separately.")
    ] = 8,
    wait: Seconds = 300,
    url: Url = None,
    output: Output = "table",
) -> None:
    """Offer disks to another account; each disk gets its own record and verdict.

    Several disks, or --tag, make one batch: the target is told once and approves them
    all with one token (or disk by disk). --separately sends one request per disk.

    Example: evs-transfer request --tag team=data --to account-b --reason "team moved"
    """
    profile = load_profile()
    ids = [*(volumes or []), *_lines(volumes_file)]
    if not to or (not ids and tag is None):
        raise typer.BadParameter("name disks (or --tag KEY=VALUE) and --to ACCOUNT")
    if tag is not None and (ids or separately):
        raise typer.BadParameter("--tag selects the disks: name no disk ids with it")
    requester = profile.requester or f"{getpass.getuser()}@{socket.gethostname()}"
    base = {
        "source_account": source or profile.source_account,
        "target_account": to,
        "requester": requester,
        "reason": reason,
        **({"ttl_seconds": _seconds(ttl)} if ttl else {}),
        **({"dry_run": True} if dry_run else {}),
    }
    if not base["source_account"]:
        raise typer.BadParameter(
            "say --from ACCOUNT, or set source_account in the profile"
        )
    client = client_for(url, profile)
    with Progress(console=err, transient=True, disable=output == "json") as progress:
        if tag is not None or (len(ids) > 1 and not separately):
            selection = {"tag": parse_tag(tag)} if tag else {"volume_ids": _unique(ids)}
            code = request_batch(
                client,
                {**base, **selection},
                wait=wait,
                progress=progress,
                output=output,
            )
            raise typer.Exit(code)
        verdicts = request_each(
            client,
            ids,
            lambda volume: {**base, "volume_id": volume},
            concurrency=concurrency,
            progress=progress,
        )
    _show_verdicts(verdicts, output)
    if any(v.outcome not in ("offered", "eligible") for v in verdicts):
        raise typer.Exit(exits.REFUSED)


@app.command()
@command
def status(transfer_id: str, url: Url = None, output: Output = "table") -> None:
    """Show where a transfer stands.

    Example: evs-transfer status 5ed09b0d78404dbf8389f2a57bc0c9e0
    """
    transfer = client_for(url, load_profile()).transfer(transfer_id)
    if output == "json":
        out.print_json(json.dumps(transfer))
        return
    for key in (
        "id",
        "state",
        "volume_name",
        "volume_id",
        "source_account",
        "target_account",
        "requester",
        "reason",
        "created_at",
        "expires_at",
        "failure_code",
        "failure_reason",
    ):
        if transfer.get(key) not in (None, ""):
            out.print(whole(f"{key + ':':<16}{transfer[key]}"))


@app.command(name="list")
@command
def list_transfers(
    state: Annotated[
        str | None, typer.Option(help="pending_approval, accepted, …")
    ] = None,
    volume: Annotated[str | None, typer.Option(help="A disk id.")] = None,
    target: Annotated[str | None, typer.Option(help="A target account.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    url: Url = None,
    output: Output = "table",
) -> None:
    """List transfers, newest first.

    Example: evs-transfer list --state pending_approval --target account-b
    """
    query = {"state": state, "volume_id": volume, "target": target, "limit": str(limit)}
    found = client_for(url, load_profile()).transfers(
        {k: v for k, v in query.items() if v is not None}
    )
    if output == "json":
        out.print_json(json.dumps(found))
        return
    rows = table("transfer", "state", "disk", "from", "to", "expires")
    for t in found:
        rows.add_row(
            t["id"],
            t["state"],
            t["volume_name"] or t["volume_id"],
            t["source_account"],
            t["target_account"],
            t["expires_at"][:16],
        )
    out.print(rows)


@app.command()
@command
def approve(
    transfer_id: str,
    token_file: TokenFile = None,
    approver: Annotated[str, typer.Option(help="Your name, for the audit trail.")] = "",
    url: Url = None,
    output: Output = "table",
) -> None:
    """Approve an offer with its token (prompted, or --token-file, or piped).

    Example: evs-transfer approve 5ed09b0d… --token-file ~/offer-token
    """
    _decide(transfer_id, "approve", token_file, approver, "", url, output)


@app.command()
@command
def reject(
    transfer_id: str,
    reason: Annotated[str, typer.Option(help="Told to the source account.")] = "",
    token_file: TokenFile = None,
    approver: Annotated[str, typer.Option(help="Your name, for the audit trail.")] = "",
    url: Url = None,
    output: Output = "table",
) -> None:
    """Refuse an offer; the disk stays with its owner.

    Example: evs-transfer reject 5ed09b0d… --reason "not ours" < token.txt
    """
    _decide(transfer_id, "reject", token_file, approver, reason, url, output)


@app.command()
@command
def cancel(
    transfer_id: str,
    source: Annotated[
        str | None, typer.Option("--from", help="Your (source) account.")
    ] = None,
    reason: Annotated[str, typer.Option(help="Told to the target account.")] = "",
    url: Url = None,
    output: Output = "table",
) -> None:
    """Take an offer back before the target decides.

    Example: evs-transfer cancel 5ed09b0d… --from account-a --reason "wrong disk"
    """
    profile = load_profile()
    body = {
        "source_account": source or profile.source_account,
        "requester": profile.requester or getpass.getuser(),
        "reason": reason,
    }
    _show_transfer(client_for(url, profile).cancel(transfer_id, body), output)


@app.command()
@command
def events(transfer_id: str, url: Url = None, output: Output = "table") -> None:
    """Show a transfer's audit trail: who did what, when, from which state to which.

    Example: evs-transfer events 5ed09b0d78404dbf8389f2a57bc0c9e0
    """
    trail = client_for(url, load_profile()).transfer(transfer_id)["events"]
    if output == "json":
        out.print_json(json.dumps(trail))
        return
    rows = table("at", "action", "from", "to", "actor", "reason")
    for e in trail:
        rows.add_row(
            e["at"][:19],
            e["action"],
            e["from_state"] or "-",
            e["to_state"] or "-",
            e["actor"],
            e["reason"],
        )
    out.print(rows)


@local_app.command("up")
def local_up(
    port: Annotated[int, typer.Option(help="Port of localcloud.")] = 8765,
) -> None:
    """Start localcloud with the demo world and the functions; print the URLs.

    Example: evs-transfer local up --port 8765   (Ctrl-C stops it)
    """
    from evs_transfer.cli.local import serve  # noqa: PLC0415 - localcloud is dev-only

    serve(port, out)


@local_app.command("token")
@command
def local_token(
    offer_id: Annotated[str, typer.Argument(help="A transfer or batch id.")],
    to_file: Annotated[
        Path, typer.Option("--to-file", help="Where to write the token (mode 600).")
    ],
    url: Url = None,
) -> None:
    """Save the token of an offer account B received on the local stack, to a file.

    Locally nobody reads B's mail: this takes the token from what localcloud's SMN
    delivered to B, and never prints it.

    Example: evs-transfer local token 5ed09b0d… --to-file token.txt
    """
    from evs_transfer.cli.local import offer_token  # noqa: PLC0415 - dev-only

    base = url or os.environ.get("EVS_TRANSFER_API_URL") or load_profile().url or ""
    token = offer_token(base, offer_id) if base else None
    if token is None:
        raise typer.BadParameter(f"account B received no offer for {offer_id}")
    write_secret(to_file, token + "\n")
    err.print(f"token of {offer_id} written to {to_file}")


def _decide(
    transfer_id: str,
    decision: str,
    token_file: Path | None,
    approver: str,
    reason: str,
    url: str | None,
    output: str,
) -> None:
    body = {"decision": decision, "token": read_token(token_file), "approver": approver}
    if reason:
        body["reason"] = reason
    _show_transfer(client_for(url, load_profile()).decide(transfer_id, body), output)


def _unique(ids: list[str]) -> list[str]:
    # A disk named twice (on the line and in the file) is one disk of the batch.
    return list(dict.fromkeys(ids))


def _lines(path: Path | None) -> list[str]:
    if path is None:
        return []
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")

    return [line.strip() for line in text.splitlines() if line.strip()]


def _seconds(ttl: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = ttl[:-1], ttl[-1:]
    if unit not in units or not number.isdigit():
        raise typer.BadParameter(
            "a duration such as 90m, 24h or 3d", param_hint="--ttl"
        )

    return int(number) * units[unit]


def _show_transfer(transfer: dict[str, Any], output: str) -> None:
    if output == "json":
        out.print_json(json.dumps(transfer))
        return
    out.print(f"transfer {transfer['id']} is {transfer['state']}")


def _show_verdicts(verdicts: list[Verdict], output: str) -> None:
    if output == "json":
        out.print_json(json.dumps([v.to_dict() for v in verdicts]))
        return
    rows = table("disk", "verdict", "transfer", "why")
    for v in verdicts:
        why = ", ".join(v.codes) or v.message
        rows.add_row(v.volume_id, v.outcome, v.transfer_id or "-", why)
    out.print(rows)
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.outcome] = counts.get(v.outcome, 0) + 1
    out.print(", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())))
