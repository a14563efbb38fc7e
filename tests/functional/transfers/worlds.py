"""Worlds derived from the demo world, each with exactly the condition a test needs."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

DEMO_WORLD = (
    Path(__file__).resolve().parents[3]
    / "infra"
    / "localcloud"
    / "worlds"
    / "demo.yaml"
)
SUBJECT = "10000000-0000-4000-8000-000000000099"


@functools.cache
def _demo() -> dict[str, Any]:
    return dict(yaml.safe_load(DEMO_WORLD.read_text(encoding="utf-8")))


def demo_world() -> dict[str, Any]:
    """Return a fresh, mutable copy of the demo world."""
    return copy.deepcopy(_demo())


def account(world: dict[str, Any], name: str) -> dict[str, Any]:
    return next(a for a in world["accounts"] if a["name"] == name)


def with_disk(**volume: Any) -> dict[str, Any]:
    """The demo world plus disk SUBJECT in the broker (account A), shaped by ``volume``."""
    world = demo_world()
    spec = {"id": SUBJECT, "name": "subject-disk", "size": 50, "volume_type": "SSD"}
    spec.update(volume)
    account(world, "broker")["volumes"].append(spec)
    return world


def with_backup(world: dict[str, Any], backup_id: str) -> dict[str, Any]:
    """Give disk SUBJECT a CBR backup kept in a vault that no longer protects the disk."""
    broker = account(world, "broker")
    vault_id = "60000000-0000-4000-8000-000000000098"
    broker.setdefault("vaults", []).append({"id": vault_id, "name": "archive"})
    broker.setdefault("backups", []).append(
        {"id": backup_id, "volume_id": SUBJECT, "vault_id": vault_id, "name": "b1"}
    )
    return world
