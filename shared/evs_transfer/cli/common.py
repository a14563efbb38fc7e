"""What every ``evs-transfer`` command shares: consoles, options, errors, the client."""

from __future__ import annotations

import functools
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, ParamSpec

import typer
from rich import box
from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from evs_transfer.cli import exits
from evs_transfer.cli.client import ApiClient
from evs_transfer.cli.exits import ApiProblem
from evs_transfer.cli.profile import Profile, ProfileError
from evs_transfer.cli.signing import ApiCredentials

P = ParamSpec("P")
# Soft wrapping: a line longer than the terminal is left whole for the terminal to fold,
# never cut short by the console, so that ids can be copied.
out = Console(soft_wrap=True)
err = Console(stderr=True)

Url = Annotated[
    str | None,
    typer.Option("--url", help="Base URL of the HTTP API.", show_default=False),
]
Output = Annotated[
    str,
    typer.Option("--output", "-o", help="table (for people) or json (for scripts)."),
]
TokenFile = Annotated[
    Path | None,
    typer.Option(
        "--token-file",
        help="Read the approval token from this file; '-' or a pipe reads stdin.",
        show_default=False,
    ),
]


class Rows:
    """Rows for people: a table when the terminal is wide enough, else a block per row.

    Nothing is ever cut short: operators copy the ids into their next command.
    """

    def __init__(self, *headers: str) -> None:
        self.headers = headers
        self.rows: list[tuple[str, ...]] = []

    def add_row(self, *cells: str) -> None:
        """Add one row, a cell per header."""
        self.rows.append(cells)

    def __rich_console__(
        self, _console: Console, options: ConsoleOptions
    ) -> RenderResult:
        """Render as a table, or as ``header: value`` blocks when it would not fit."""
        widths = [
            max([len(header), *(len(row[n]) for row in self.rows)])
            for n, header in enumerate(self.headers)
        ]
        # The last column is free text (why, reason): it may wrap, the others may not.
        needed = sum(widths[:-1]) + min(widths[-1], 16) + 3 * len(widths)
        if needed <= options.max_width:
            grid = Table(box=box.SIMPLE_HEAD, show_edge=False)
            for n, header in enumerate(self.headers):
                last = n == len(self.headers) - 1
                grid.add_column(header, no_wrap=not last, overflow="fold")
            for row in self.rows:
                grid.add_row(*row)
            yield grid
            return
        for row in self.rows:
            for header, cell in zip(self.headers, row, strict=True):
                yield whole(f"{header}: {cell}")
            yield Text("")


def whole(line: str) -> Text:
    """Return a line to print as it is: text, not markup (the console never cuts it)."""
    return Text(line)


def table(*headers: str) -> Rows:
    """Return the rows to fill and print, under these headers."""
    return Rows(*headers)


def command(function: Callable[P, None]) -> Callable[P, None]:
    """Register a command whose API problems end in a message and an exit code.

    The one place where what the API said becomes what the operator reads: the stable
    code, the message, each rule or state that stopped the action; never a traceback.
    """

    @functools.wraps(function)
    def reported(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            function(*args, **kwargs)
        except (OSError, UnicodeDecodeError, ProfileError) as problem:
            # A file named on the command line, or the profile: the operator's to fix.
            err.print(f"error: {_file_problem(problem)}", markup=False)
            raise typer.Exit(exits.USAGE) from None
        except ApiProblem as problem:
            err.print(f"error: {problem}", markup=False)
            for detail in problem.details:
                if "code" in detail:
                    text = f"  - {detail['code']}: {detail.get('message', '')}"
                    err.print(text, markup=False)
                elif "current_state" in detail:
                    err.print(f"  - current state: {detail['current_state']}")
            raise typer.Exit(problem.exit_code) from None

    return reported


def _file_problem(problem: Exception) -> str:
    if isinstance(problem, OSError) and problem.filename is not None:
        return f"{problem.filename}: {problem.strerror or type(problem).__name__}"
    if isinstance(problem, UnicodeDecodeError):
        return "a file named is not UTF-8 text"

    return str(problem)


def write_secret(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by its owner only, never through a link.

    An existing file is replaced in place and its mode narrowed to 600.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(path, flags, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, text.encode())
    finally:
        os.close(descriptor)


def read_token(token_file: Path | None) -> str:
    """Return the approval token from ``token_file``, standard input or a prompt."""
    # Never an argument: it would stay in the shell's history and in `ps`.
    if token_file is not None and str(token_file) != "-":
        return token_file.read_text(encoding="utf-8").strip()
    if token_file is not None or not sys.stdin.isatty():
        return sys.stdin.readline().strip()

    return getpass.getpass("approval token: ").strip()


def client_for(url: str | None, profile: Profile) -> ApiClient:
    """Return the API client for ``--url``, the environment or the profile."""
    base = url or os.environ.get("EVS_TRANSFER_API_URL") or profile.url
    if not base:
        raise typer.BadParameter(
            "say --url, set EVS_TRANSFER_API_URL, or write url in the profile"
        )

    return ApiClient(base, ApiCredentials.find(profile.credentials))
