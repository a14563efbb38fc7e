"""The Terraform of ``infra/terraform``, parsed by python-hcl2 into plain Python values."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hcl2

TERRAFORM = Path(__file__).resolve().parents[2] / "infra" / "terraform"
REFERENCE = re.compile(r"\b(var|local|module)\.([A-Za-z_][A-Za-z0-9_]*)")


def files() -> list[Path]:
    """Every .tf and .tfvars file, sorted."""
    return sorted([*TERRAFORM.rglob("*.tf"), *TERRAFORM.rglob("*.tfvars")])


def load(path: Path) -> dict[str, Any]:
    """Parse one file; strings lose the quotes python-hcl2 keeps around them."""
    with path.open(encoding="utf-8") as handle:
        return dict(_plain(hcl2.load(handle)))


def module(name: str) -> dict[str, Any]:
    """Merge the blocks of every file of ``modules/<name>`` (Terraform reads them as one)."""
    merged: dict[str, Any] = {
        "resource": {},
        "variable": {},
        "output": {},
        "locals": {},
        "text": "",
    }
    for path in sorted((TERRAFORM / "modules" / name).glob("*.tf")):
        parsed = load(path)
        merged["text"] += path.read_text(encoding="utf-8")
        for block in parsed.get("resource", []):
            for kind, named in block.items():
                merged["resource"].setdefault(kind, {}).update(named)
        for kind in ("variable", "output"):
            for block in parsed.get(kind, []):
                merged[kind].update(block)
        for block in parsed.get("locals", []):
            merged["locals"].update(block)

    return merged


def references(text: str, kind: str) -> set[str]:
    """Names used as ``var.X`` / ``local.X`` / ``module.X`` in ``text``."""
    return {name for found_kind, name in REFERENCE.findall(text) if found_kind == kind}


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            _unquote(key): _plain(item)
            for key, item in value.items()
            # python-hcl2's own bookkeeping (__is_block__, __comments__), not Terraform's
            if not key.startswith("__")
        }
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return _unquote(value)

    return value


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]

    return text
