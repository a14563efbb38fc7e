"""A pytest plugin: ``localcloud`` serves the demo world (or yours) to each test.

Enable with ``pytest_plugins = ["localcloud.testing"]`` in a ``conftest.py``. Override
``localcloud_world_file`` (and ``localcloud_code_root``) to serve another world. One
HTTP server is shared by the session; each test gets freshly seeded state.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localcloud.cloud import LocalCloud
from localcloud.world import load_world

DEMO_WORLD = Path(__file__).parent / "worlds" / "demo.yaml"


@pytest.fixture
def localcloud_world_file() -> Path:
    """The world each test starts from (override point)."""
    return DEMO_WORLD


@pytest.fixture(scope="session")
def localcloud_code_root() -> Path:
    """Directory function handler paths are relative to (override point)."""
    return Path.cwd()


@pytest.fixture(scope="session")
def localcloud_server(localcloud_code_root: Path) -> Iterator[LocalCloud]:
    """One served, initially empty ``LocalCloud`` for the whole session."""
    cloud = LocalCloud(code_root=localcloud_code_root)
    with cloud.serve():
        yield cloud
    cloud.close()


@pytest.fixture
def localcloud(
    localcloud_server: LocalCloud, localcloud_world_file: Path
) -> Iterator[LocalCloud]:
    """The served cloud, seeded with ``localcloud_world_file``; ``.url`` is its address."""
    localcloud_server.seed(load_world(localcloud_world_file))
    yield localcloud_server
    localcloud_server.wait_idle()
    localcloud_server.reset()
