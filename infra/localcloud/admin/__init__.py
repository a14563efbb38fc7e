"""The localcloud admin API under ``/_localcloud/`` (JSON, unauthenticated)."""
