"""Batches: one request, one notification and one approval for many disks.

``batches`` holds what the disks of a request share; ``batch_items`` one row per disk,
queued until its own transfer record exists; ``transfers.batch_id`` ties a record to the
batch it was requested in.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the batch tables and the transfers' batch column."""
    op.create_table(
        "batches",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("state", sa.String(32), nullable=False, index=True),
        sa.Column("request_key", sa.String(128), nullable=False, unique=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("source_account", sa.String(64), nullable=False),
        sa.Column("target_account", sa.String(64), nullable=False),
        sa.Column("requester", sa.String(128), nullable=False),
        sa.Column("reason", sa.String(1024), nullable=False),
        sa.Column("ttl_seconds", sa.Integer),
        sa.Column("selector", sa.JSON, nullable=False),
        sa.Column("approval_token_hash", sa.String(64)),
        sa.Column("decision", sa.String(16)),
        sa.Column("decided_by", sa.String(255)),
        sa.Column("decision_reason", sa.String(1024)),
        sa.Column("failed_approvals", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "batch_items",
        sa.Column("batch_id", sa.String(32), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("volume_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("transfer_id", sa.String(32)),
        sa.Column("published_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "ix_batch_items_state_published", "batch_items", ["state", "published_at"]
    )
    with op.batch_alter_table("transfers") as batch:
        batch.add_column(sa.Column("batch_id", sa.String(32)))
        batch.create_index("ix_transfers_batch_id", ["batch_id"])


def downgrade() -> None:
    """Remove them again."""
    with op.batch_alter_table("transfers") as batch:
        batch.drop_index("ix_transfers_batch_id")
        batch.drop_column("batch_id")
    op.drop_index("ix_batch_items_state_published", "batch_items")
    op.drop_table("batch_items")
    op.drop_table("batches")
