"""Fixtures for the FunctionGraph emulation: a fake issuer, handler files, a runtime."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localcloud.functiongraph.runtime import FunctionRuntime
from localcloud.functiongraph.specs import FunctionSpec
from tests.unit.localcloud.functiongraph.fgsupport import (
    DOMAIN_ID,
    EVENTS_DIR,
    PROJECT_ID,
    REGION,
    FakeIssuer,
    LoadEvent,
    MakeHandler,
    Register,
)


@pytest.fixture
def issuer() -> FakeIssuer:
    return FakeIssuer()


@pytest.fixture
def code_root(tmp_path: Path) -> Path:
    root = tmp_path / "code"
    root.mkdir()
    return root


@pytest.fixture
def make_handler(code_root: Path) -> MakeHandler:
    """Write ``source`` to ``<code_root>/<relpath>.py``; return ``<relpath>.handler``."""

    def make(relpath: str, source: str) -> str:
        path = code_root / f"{relpath}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return f"{relpath}.handler"

    return make


@pytest.fixture
def runtime(issuer: FakeIssuer, code_root: Path) -> Iterator[FunctionRuntime]:
    fg = FunctionRuntime(region=REGION, credentials=issuer, code_root=code_root)
    yield fg
    fg.close()


@pytest.fixture
def register(runtime: FunctionRuntime) -> Register:
    """Register a function in the test account; keyword arguments go to FunctionSpec."""

    def reg(name: str, handler: str, **fields: Any) -> str:
        spec = FunctionSpec(name=name, account="alpha", handler=handler, **fields)
        return runtime.register(spec, domain_id=DOMAIN_ID, project_id=PROJECT_ID)

    return reg


@pytest.fixture
def load_event() -> LoadEvent:
    def load(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text("utf-8"))
        return data

    return load


@pytest.fixture
def echo_handler(make_handler: MakeHandler) -> str:
    return make_handler(
        "functions/echo/index",
        """
        def handler(event, context):
            return {"event": event, "request_id": context.getRequestID()}
        """,
    )


@pytest.fixture
def failing_handler(make_handler: MakeHandler) -> str:
    return make_handler(
        "functions/failing/index",
        """
        def handler(event, context):
            raise RuntimeError("transfer exploded")
        """,
    )
