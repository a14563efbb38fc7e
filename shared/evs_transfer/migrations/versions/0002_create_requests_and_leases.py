"""Idempotent creates and accept leases.

``create_requests`` holds one row per create attempt, written before EVS is asked: the
idempotency key, a digest of what was asked, and the transfer id chosen for it. A create
that dies after EVS answered leaves its row claimed, so a retry or the sweep can find and
delete the EVS transfer nobody holds the key of. ``transfers.lease_until`` bounds how long
an ``accepting`` record belongs to the invocation that moved it there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the create requests and the accept lease."""
    op.create_table(
        "create_requests",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("transfer_id", sa.String(32), nullable=False, unique=True),
        sa.Column("volume_id", sa.String(64), nullable=False),
        sa.Column("source_account", sa.String(64), nullable=False),
        sa.Column("evs_name", sa.String(255), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_create_requests_state_lease", "create_requests", ["state", "lease_until"]
    )
    with op.batch_alter_table("transfers") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    """Remove them again."""
    with op.batch_alter_table("transfers") as batch:
        batch.drop_column("lease_until")
    op.drop_index("ix_create_requests_state_lease", "create_requests")
    op.drop_table("create_requests")
