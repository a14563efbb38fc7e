"""The database schema: every table the broker writes, in one metadata.

Migrations (``evs_transfer/migrations``) build it; a test checks that they and this module
agree.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

transfers = sa.Table(
    "transfers",
    metadata,
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
    sa.Column("evs_transfer_open", sa.Boolean, nullable=False, default=False),
    sa.Column("auth_key_ciphertext", sa.Text),
    sa.Column("kms_key_id", sa.String(128)),
    sa.Column("approval_token_hash", sa.String(64)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("failure_code", sa.String(64)),
    sa.Column("failure_reason", sa.String(1024)),
    # When the sweep last compared the record with the cloud; it checks the stalest first.
    sa.Column("checked_at", sa.DateTime(timezone=True)),
    sa.Column("findings", sa.JSON, nullable=False, default=list),
    # Until when an ``accepting`` record belongs to the invocation that moved it there.
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    # Wrong approval tokens presented so far; enough of them lock the transfer.
    sa.Column("failed_approvals", sa.Integer, nullable=False, server_default="0"),
    # The batch the transfer was requested in, if any.
    sa.Column("batch_id", sa.String(32), index=True),
)

transfer_events = sa.Table(
    "transfer_events",
    metadata,
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

# The outbox of notifications: written in the same transaction as the transition that
# causes them, sent right after, and sent again by the sweep when that failed. Rows hold
# what to say and to whom, never the text: offers are rendered, with a token, at sending.
notices = sa.Table(
    "notices",
    metadata,
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

# One row per create attempt, written before EVS is asked (see migration 0002).
create_requests = sa.Table(
    "create_requests",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("transfer_id", sa.String(32), nullable=False, unique=True),
    sa.Column("volume_id", sa.String(64), nullable=False),
    sa.Column("source_account", sa.String(64), nullable=False),
    sa.Column("evs_name", sa.String(255), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_create_requests_state_lease", "state", "lease_until"),
)

# A request for many disks at once. The disks are offered one transfer each; the batch
# holds what they share: who asked, for whom, the one approval token, the batch decision.
batches = sa.Table(
    "batches",
    metadata,
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

# One row per disk of a batch: queued until its transfer record (offered or refused) exists.
batch_items = sa.Table(
    "batch_items",
    metadata,
    sa.Column("batch_id", sa.String(32), primary_key=True),
    sa.Column("position", sa.Integer, primary_key=True),
    sa.Column("volume_id", sa.String(64), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("transfer_id", sa.String(32)),
    sa.Column("published_at", sa.DateTime(timezone=True)),
    sa.Index("ix_batch_items_state_published", "state", "published_at"),
)
