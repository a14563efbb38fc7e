"""Transfers, their audit trail and the notification outbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the three tables of the first schema."""
    op.create_table(
        "transfers",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("state", sa.String(32), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("region", sa.String(64), nullable=False),
        sa.Column("volume_id", sa.String(64), nullable=False, index=True),
        sa.Column("volume_name", sa.String(255), nullable=False),
        sa.Column("volume_size_gb", sa.Integer),
        sa.Column("volume_type", sa.String(32)),
        sa.Column("source_account", sa.String(64), nullable=False),
        sa.Column("source_project_id", sa.String(32), nullable=False),
        sa.Column("target_account", sa.String(64), nullable=False),
        sa.Column("target_project_id", sa.String(32), nullable=False),
        sa.Column("requester", sa.String(128), nullable=False),
        sa.Column("reason", sa.String(1024), nullable=False),
        sa.Column("evs_transfer_id", sa.String(64)),
        sa.Column("evs_transfer_open", sa.Boolean, nullable=False),
        sa.Column("auth_key_ciphertext", sa.Text),
        sa.Column("kms_key_id", sa.String(128)),
        sa.Column("approval_token_hash", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("failure_code", sa.String(64)),
        sa.Column("failure_reason", sa.String(1024)),
        sa.Column("checked_at", sa.DateTime(timezone=True)),
        sa.Column("findings", sa.JSON, nullable=False),
    )
    op.create_table(
        "transfer_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("transfer_id", sa.String(32), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32)),
        sa.Column("reason", sa.String(1024), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("transfer_id", sa.String(32), nullable=False, index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("reason", sa.String(1024), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.String(255)),
        sa.Column("message_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    """Drop the tables again."""
    for table in ("notices", "transfer_events", "transfers"):
        op.drop_table(table)
