"""Apply the store's migrations when an instance first opens the database.

Function instances start in parallel: on PostgreSQL an advisory lock lets one migrate while
the others wait; on SQLite (one machine) a process lock does, and a retry covers another
process that created a table between our check and our statement.
"""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
# Any fixed number: the key of the advisory lock that serialises migrations.
_ADVISORY_LOCK_KEY = 7_305_221_991
_PROCESS_LOCK = threading.Lock()


def migrate(engine: Engine) -> None:
    """Bring the database behind ``engine`` to the latest revision."""
    with _PROCESS_LOCK:
        try:
            _upgrade(engine)
        except sa.exc.OperationalError:
            _upgrade(engine)


def _upgrade(engine: Engine) -> None:
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_LOCK_KEY}
            )
            connection.commit()
        try:
            command.upgrade(_config(connection), "head")
            connection.commit()
        finally:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"),
                    {"key": _ADVISORY_LOCK_KEY},
                )
                connection.commit()


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection

    return config
