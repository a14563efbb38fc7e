"""Test layers, written down.

- ``tests/unit``: pure functions and classes, no network, no localcloud.
- ``tests/functional``: localcloud served in-process (a threaded server on 127.0.0.1) and
  reached by the real Huawei SDK clients over HTTP; the functions run in-process through the
  FunctionGraph runtime emulation.
- ``tests/server``: localcloud started as its own process (``python -m localcloud``).
- ``tests/store``: the store on SQLite and on PostgreSQL (``tests/databases.py``).
- ``tests/pages``: the approval pages in a real headless Chromium, against localcloud
  served in-process.
"""

from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["localcloud.testing"]

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def localcloud_code_root() -> Path:
    """Function handlers live in the repository's ``functions/`` folder."""
    return ROOT


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the figures tests measured: the secret scan's coverage, fuzzing counts."""
    from tests import reports  # noqa: PLC0415 - filled while the tests ran
    from tests.functional.leaks import TALLY  # noqa: PLC0415

    for line in reports.LINES:
        terminalreporter.write_line(line)
    if TALLY.tests:
        terminalreporter.write_line(
            f"secret scan: {TALLY.tests} tests, {TALLY.secrets} cloud secrets and "
            f"{TALLY.tokens} approval tokens checked against "
            f"{TALLY.characters:,} characters of output: {len(TALLY.leaks)} leaks"
        )
