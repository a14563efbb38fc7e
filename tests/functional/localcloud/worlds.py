"""Small worlds for the transfer-check, quota and fault tests (two accounts, no functions)."""

from __future__ import annotations

from typing import Any

VOLUME = "11000000-0000-4000-8000-000000000001"
OTHER_VOLUME = "11000000-0000-4000-8000-000000000002"
SERVER = "41000000-0000-4000-8000-000000000001"
VAULT = "51000000-0000-4000-8000-000000000001"
POLICY = "52000000-0000-4000-8000-000000000001"
BACKUP = "53000000-0000-4000-8000-000000000001"
A_DOMAIN = "a0000000000000000000000000000001"
A_PROJECT = "a1000000000000000000000000000001"
B_DOMAIN = "b0000000000000000000000000000001"
B_PROJECT = "b1000000000000000000000000000001"


def volume(**fields: Any) -> dict[str, Any]:
    """A 40 GB SSD data disk of the broker, with ``fields`` overriding."""
    return {"id": VOLUME, "name": "disk", "size": 40, "volume_type": "SSD", **fields}


def two_accounts(
    broker: dict[str, Any] | None = None,
    account_b: dict[str, Any] | None = None,
    **world: Any,
) -> dict[str, Any]:
    """The broker (with ``volume()`` unless given) and account-b, plus extra keys."""
    return {
        "region": "cn-north-4",
        "accounts": [
            {
                "name": "broker",
                "domain_id": A_DOMAIN,
                "projects": {"cn-north-4": A_PROJECT},
                "access_key": "FAKEAKSMALLBROKER0000",
                "secret_key": "fake-sk-small-broker-0000000000000000",
                "volumes": [volume()],
                **(broker or {}),
            },
            {
                "name": "account-b",
                "domain_id": B_DOMAIN,
                "projects": {"cn-north-4": B_PROJECT},
                "access_key": "FAKEAKSMALLACCOUNTB00",
                "secret_key": "fake-sk-small-account-b-00000000000000",
                **(account_b or {}),
            },
        ],
        **world,
    }
