"""Store: the Alembic migrations build exactly the schema the code queries."""

import threading

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from evs_transfer.migrations.runner import _config
from evs_transfer.store import create_store_engine
from evs_transfer.tables import metadata


def test_migrations_build_the_schema_the_store_declares(store_url):
    engine = create_store_engine(store_url)

    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)

    assert [] == differences
    engine.dispose()


def test_migrations_go_down_to_nothing_and_up_again(store_url):
    engine = create_store_engine(store_url)

    with engine.connect() as conn:
        command.downgrade(_config(conn), "base")
        conn.commit()
        emptied = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
    create_store_engine(store_url).dispose()
    with engine.connect() as conn:
        rebuilt = set(sa.inspect(conn).get_table_names())

    assert set() == emptied
    assert {"transfers", "transfer_events", "notices", "create_requests"} <= rebuilt
    engine.dispose()


def test_instances_starting_together_migrate_once(store_url):
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        try:
            create_store_engine(store_url).dispose()
        except BaseException as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    engine = create_store_engine(store_url)
    with engine.connect() as conn:
        versions = conn.execute(
            sa.text("SELECT version_num FROM alembic_version")
        ).all()

    assert [] == errors
    assert [("0004",)] == [tuple(row) for row in versions]
    engine.dispose()
