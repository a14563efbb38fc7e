"""Alembic migrations of the transfer store; applied by ``create_store_engine``."""
