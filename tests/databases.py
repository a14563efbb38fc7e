"""Throw-away databases for the store's tests: a SQLite file, or a PostgreSQL database.

PostgreSQL comes from ``EVS_TRANSFER_TEST_POSTGRES_URL``, a URL of a role allowed to create
databases (``.ci/run`` starts a server and sets it). Each test gets a database of its own,
dropped afterwards. Without the variable the PostgreSQL cases are skipped, except in CI,
where they fail: a store change must never land untested on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_ENV = "EVS_TRANSFER_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """Yield the SQLAlchemy URL of an empty database of ``backend``."""
    if backend == "sqlite":
        yield f"sqlite:///{folder}/store.db"
        return
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: PostgreSQL tests cannot run in CI")
        pytest.skip(f"{POSTGRES_ENV} is not set (see .ci/run)")
    name = f"evs_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES_ENV} is not reachable: {exc}")
    try:
        yield (
            sa.make_url(admin_url)
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
