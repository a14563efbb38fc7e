"""Count wrong approval tokens per transfer, so that guessing locks it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the counter, zero for existing transfers."""
    with op.batch_alter_table("transfers") as batch:
        batch.add_column(
            sa.Column(
                "failed_approvals", sa.Integer, nullable=False, server_default="0"
            )
        )


def downgrade() -> None:
    """Remove it again."""
    with op.batch_alter_table("transfers") as batch:
        batch.drop_column("failed_approvals")
