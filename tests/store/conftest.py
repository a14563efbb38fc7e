"""The store's layer: every test runs on SQLite and on PostgreSQL (see ``tests.databases``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evs_transfer.models import TransferRecord
from evs_transfer.store import TransferStore, create_store_engine
from tests.databases import BACKENDS, database
from tests.records import pending_record


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url: str) -> Iterator[TransferStore]:
    engine = create_store_engine(store_url)
    yield TransferStore(engine)
    engine.dispose()


@pytest.fixture
def record() -> TransferRecord:
    return pending_record()
